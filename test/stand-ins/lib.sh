# Shared by the stand-in executables (test doubles, not the real tools). Each call is
# recorded under $STANDIN_LOG: one line in `commands`, and calls/NNNN-NAME/{argv,stdin}.
# Control file $STANDIN_LOG/control/NAME, one rule per line: `ACTION COUNT [SUBSTRING]`.
# The first rule with COUNT > 0 whose SUBSTRING occurs in the arguments is used once:
#   fail        exit 1, stderr from control/NAME.stderr if present
#   hang        touch the call's `hanging` marker and sleep (the test kills the agent)
#   hang-after  do the work, then hang (a crash after the tool finished)
#   pause       touch the call's `hanging` marker, wait until the test creates `resume` beside
#               it, then do the work (a slow tool that finishes)
#   fail-after  do the work, then exit 1 as above (a failure late in the tool's run)
#   other       left in $STANDIN_ACTION for the stand-in itself (kubeadm's not-ready failures)
# Paths in arguments are the machine's; they live under $KUBESEED_BOOT_ROOT.
set -euo pipefail

STANDIN_NAME=${0##*/}
ROOT="${KUBESEED_BOOT_ROOT:?stand-in $STANDIN_NAME: KUBESEED_BOOT_ROOT is not set}"
: "${STANDIN_LOG:?stand-in $STANDIN_NAME: STANDIN_LOG is not set}"
STANDIN_ACTION=""

die() {
  echo "stand-in $STANDIN_NAME: $*" >&2
  exit 1
}

unexpected() {
  echo "stand-in $STANDIN_NAME: unexpected arguments: $*" >&2
  exit 64
}

# A kill (the crash tests' power cut) can land between any two commands here: files read
# by the next call are replaced whole (written aside, then renamed), never left empty.
replace() {
  printf '%s' "$2" >"$1.$$"
  mv -f "$1.$$" "$1"
}

# Builtins only where it is easy: the agent runs a dozen stand-ins per test run.
standin_begin() {
  local seq=0 input=""
  [ -f "$STANDIN_LOG/seq" ] && read -r seq <"$STANDIN_LOG/seq"
  seq=$((seq + 1))
  printf -v CALL_DIR '%s/calls/%04d-%s' "$STANDIN_LOG" "$seq" "$STANDIN_NAME"
  mkdir -p "$CALL_DIR"
  replace "$STANDIN_LOG/seq" "$seq"$'\n'
  printf '%s\n' "$@" >"$CALL_DIR/argv"
  IFS= read -r -d '' input || true
  printf '%s' "$input" >"$CALL_DIR/stdin"
  printf '%s\n' "$STANDIN_NAME $*" >>"$STANDIN_LOG/commands"

  local file="$STANDIN_LOG/control/$STANDIN_NAME" rules="" action count pattern
  [ -f "$file" ] || return 0
  while read -r action count pattern || [ -n "${action:-}" ]; do
    if [ -z "$STANDIN_ACTION" ] && [ "$count" -gt 0 ] && [[ "$*" == *"$pattern"* ]]; then
      STANDIN_ACTION=$action
      count=$((count - 1))
    fi
    rules+="$action $count${pattern:+ $pattern}"$'\n'
  done <"$file"
  replace "$file" "$rules"
  case "$STANDIN_ACTION" in
    fail) standin_fail ;;
    hang) standin_hang ;;
    pause) standin_pause ;;
  esac
}

standin_fail() {
  local file="$STANDIN_LOG/control/$STANDIN_NAME"
  if [ -f "$file.stderr" ]; then cat "$file.stderr" >&2; else echo "stand-in $STANDIN_NAME: failing as told" >&2; fi
  exit 1
}

standin_hang() {
  : >"$CALL_DIR/hanging"
  exec sleep 600
}

standin_pause() {
  : >"$CALL_DIR/hanging"
  local tries=0
  while [ ! -e "$CALL_DIR/resume" ] && [ "$tries" -lt 6000 ]; do
    sleep 0.1
    tries=$((tries + 1))
  done
  rm -f "$CALL_DIR/hanging"
}

# Called by a stand-in once its work is done.
standin_end() {
  case "$STANDIN_ACTION" in
    hang-after) standin_hang ;;
    fail-after) standin_fail ;;
  esac
  exit 0
}
