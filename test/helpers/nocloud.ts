// Reads a NoCloud seed directory with cloud-init's own code: the loader DataSourceNoCloud
// uses on a mounted seed (pathprefix2dict + _merge_new_seed) and the network-config parser
// every renderer starts from (parse_net_config_data).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const READER = `
import base64, json, sys
from cloudinit import util
from cloudinit.net.network_state import parse_net_config_data
from cloudinit.sources.DataSourceNoCloud import _merge_new_seed
seeded = util.pathprefix2dict(sys.argv[1], required=["user-data", "meta-data"], optional=["vendor-data", "network-config"])
data = _merge_new_seed({"meta-data": {}, "user-data": b"", "vendor-data": b"", "network-config": None}, seeded)
user_data = data["user-data"]
state = parse_net_config_data(data["network-config"]) if data.get("network-config") else None
print(json.dumps({
  "metaData": data["meta-data"],
  "userData": base64.b64encode(user_data if isinstance(user_data, bytes) else user_data.encode()).decode(),
  "networkConfig": data.get("network-config"),
  "interfaces": list(state.iter_interfaces()) if state else None,
}, default=str))
`;

export interface NocloudSubnet {
  type: string;
  address?: string;
  prefix?: number;
  gateway?: string;
  dns_nameservers?: string[];
  routes?: Array<{ gateway: string; network: string; prefix: number }>;
}

export interface NocloudSeed {
  metaData: Record<string, unknown>;
  userData: Buffer;
  networkConfig: unknown;
  interfaces: Array<{ name: string; subnets?: NocloudSubnet[] }> | null;
}

// cloud-init's modules belong to the interpreter its launcher names, not whichever
// python3 comes first on PATH.
function cloudInitPython(): string {
  const launcher = execFileSync('sh', ['-c', 'command -v cloud-init'], { encoding: 'utf8' }).trim();
  return readFileSync(launcher, 'utf8')
    .split('\n')[0]!
    .replace(/^#!\s*/, '')
    .split(' ')[0]!;
}

export function readNocloudSeed(dir: string): NocloudSeed {
  const output = execFileSync(cloudInitPython(), ['-c', READER, dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const seed = JSON.parse(output) as Omit<NocloudSeed, 'userData'> & { userData: string };
  return { ...seed, userData: Buffer.from(seed.userData, 'base64') };
}
