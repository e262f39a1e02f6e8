// cloud-init's cache of its datasource, /var/lib/cloud/instances/<id>/obj.pkl: a Python
// pickle holding the user-data as fetched. At every boot cloud-init restores it (when the
// instance is unchanged) and writes user-data.txt, user-data.txt.i and cloud-config.txt
// from it again, so the secrets would come back unless the cache is scrubbed too. Only
// cloud-init's own Python can read it, and Python is there wherever cloud-init is: the
// pickle goes through `python3` with the user-data replaced. Deleting the cache instead
// would do, but a datasource that is unreachable at the next boot would then make
// cloud-init take the machine for a new instance and run everything again.
import type { Host } from './host.ts';

/** stdin: {pickle (base64), userData, markers}; stdout: {pickle (base64), left: markers still in it}. */
const SCRIPT = `
import base64, json, pickle, sys
request = json.load(sys.stdin)
datasource = pickle.loads(base64.b64decode(request["pickle"]))
raw = request["userData"]
datasource.userdata_raw = raw.encode() if isinstance(getattr(datasource, "userdata_raw", None), bytes) else raw
datasource.userdata = None
data = pickle.dumps(datasource)
left = [marker for marker in request["markers"] if marker.encode() in data]
json.dump({"pickle": base64.b64encode(data).decode(), "left": left}, sys.stdout)
`;

/**
 * Where cloud-init's Python is: the first `python3` on PATH usually, but a machine may put
 * another one first; RHEL 8 runs cloud-init on its platform Python.
 */
const PYTHONS = ['python3', '/usr/bin/python3', '/usr/libexec/platform-python'];

export type CacheScrub = { kind: 'scrubbed' } | { kind: 'removed'; reason: string };

/**
 * Rewrites the cache with `userData` in place of what it held; `markers` are strings that
 * carried the secrets. When that cannot be done, or a marker is still in the cache (a
 * datasource keeping another copy, as Azure's IMDS metadata does), the cache is removed:
 * cloud-init reads the datasource again at the next boot.
 */
export async function scrubCloudInitCache(
  host: Host,
  path: string,
  userData: string,
  markers: readonly string[],
): Promise<CacheScrub> {
  const pickle = await host.readBytes(path);
  if (pickle === undefined) return { kind: 'scrubbed' };
  const mode = (await host.stat(path))?.mode ?? 0o400;
  const remove = async (reason: string): Promise<CacheScrub> => {
    await host.remove(path);
    return { kind: 'removed', reason };
  };
  const request = JSON.stringify({ pickle: Buffer.from(pickle).toString('base64'), userData, markers });
  let answer: { pickle: string; left: string[] } | undefined;
  let failure = 'no Python found';
  for (const python of PYTHONS) {
    const result = await host.run([python, '-c', SCRIPT], { stdin: request, timeoutMs: 60_000 });
    if (result.code === 0) {
      answer = JSON.parse(result.stdout) as { pickle: string; left: string[] };
      break;
    }
    failure = `${python}: ${result.stderr.trim().split('\n').at(-1)}`;
  }
  if (answer === undefined) return remove(`no Python with cloud-init's modules could rewrite it (${failure})`);
  if (answer.left.length > 0) return remove('the datasource keeps another copy of the user-data in it');
  await host.writeFile(path, Buffer.from(answer.pickle, 'base64'), mode);
  return { kind: 'scrubbed' };
}
