# Shared by the stand-in package tools (apt-get, apt-cache, apt-mark, dpkg-query, dpkg, dnf,
# rpm): what the repositories offer and what is installed, as plain files the test reads and
# writes under $STANDIN_LOG/packages:
#   offers      `NAME VERSION SOURCE`, newest version of each name first (the test writes it)
#   installed   `NAME VERSION`, one line per installed package
#   held        one held NAME per line
#   rpm-keys    the key files `rpm --import` took
PACKAGES="$STANDIN_LOG/packages"
mkdir -p "$PACKAGES"
touch "$PACKAGES/offers" "$PACKAGES/installed" "$PACKAGES/held" "$PACKAGES/rpm-keys"

# The version the repositories offer for NAME: exactly VERSION, or the newest one when VERSION is empty.
offered_version() {
  local name=$1 version=${2:-} line_name line_version rest
  while read -r line_name line_version rest; do
    [ "$line_name" = "$name" ] || continue
    if [ -z "$version" ] || [ "$line_version" = "$version" ]; then
      echo "$line_version"
      return 0
    fi
  done <"$PACKAGES/offers"
  return 1
}

installed_version() {
  sed -n "s/^$1 //p" "$PACKAGES/installed" | tail -n 1
}

mark_installed() {
  local name=$1 version=$2
  grep -v "^$name " "$PACKAGES/installed" >"$PACKAGES/installed.new" || true
  echo "$name $version" >>"$PACKAGES/installed.new"
  mv "$PACKAGES/installed.new" "$PACKAGES/installed"
}
