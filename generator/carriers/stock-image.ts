// What cloud-init user-data adds on a stock image, where nothing of kubeseed is installed: the
// agent's unit and a script that fetches kubeseed-boot and checks its sha512 before it is made
// executable or put in place. runcmd runs the script once (its output goes to the cloud-init
// log and the console) and starts the unit; the unit runs it again as its ExecCondition, so a
// reboot before the download finished retries it, and after it only the checksum is read.
// A file that does not match stops everything: the script exits 1, which skips the unit
// without failing it, so systemd does not download it again every 15 seconds either.
import type { RemoteFile } from '../spec/types.ts';

export const FETCH_SCRIPT_PATH = '/usr/local/lib/kubeseed/fetch-agent';
export const AGENT_BINARY_PATH = '/usr/local/bin/kubeseed-boot';

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * POSIX sh for every stock image: curl where there is one (Debian and Ubuntu cloud images,
 * Raspberry Pi OS), else wget, else python3 (cloud-init depends on it). Tries until the network
 * delivers, backing off to a minute; a stalled transfer is cut after a minute without data.
 */
export function fetchAgentScript(agent: RemoteFile): string {
  return `#!/bin/sh
# kubeseed: fetch kubeseed-boot, check its sha512, then install it.
U=${shellQuote(agent.url)}
S=${agent.sha512}
T=${AGENT_BINARY_PATH}
F=$T.download
sum() { sha512sum "$1" 2>/dev/null | cut -d' ' -f1; }
[ -x $T ] && [ "$(sum $T)" = $S ] && exit 0
umask 077
echo "kubeseed: fetching $U"
n=0
until
  rm -f $F
  if command -v curl >/dev/null; then curl -fsSL --connect-timeout 30 --speed-limit 1 --speed-time 60 -o $F "$U"
  elif command -v wget >/dev/null; then wget -q -T 60 -O $F "$U"
  else python3 -c 'import shutil,sys,urllib.request as r;shutil.copyfileobj(r.urlopen(sys.argv[1],timeout=60),open(sys.argv[2],"wb"))' "$U" $F
  fi
do
  n=$((n + 1))
  d=$((n < 6 ? 1 << n : 60))
  echo "kubeseed: download of $U failed (try $n); trying again in \${d}s" >&2
  sleep $d
done
if [ "$(sum $F)" != $S ]; then
  echo "kubeseed: $U has sha512 $(sum $F), not the $S the cluster spec pins (agent): kubeseed-boot is NOT installed and will not run" >&2
  rm -f $F
  exit 1
fi
chmod 755 $F && mv -f $F $T && echo "kubeseed: installed $T from $U (sha512 checked)"
`;
}

/**
 * The agent's unit for a stock image: comments dropped (user-data is size-limited; the template
 * carries them), the fetch as ExecCondition, and no start timeout while it waits for the network.
 */
export function stockImageUnit(unit: string): string {
  const lines = unit.split('\n').filter((line) => !line.startsWith('#'));
  const service = lines.indexOf('[Service]');
  if (service < 0) throw new Error('kubeseed-boot.service has no [Service] section');
  lines.splice(service + 1, 0, `ExecCondition=${FETCH_SCRIPT_PATH}`, 'TimeoutStartSec=infinity');
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
