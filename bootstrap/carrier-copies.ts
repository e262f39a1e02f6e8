// The carriers leave copies of the user-data, and so of the node bundle with its keys and
// token, on the machine: cloud-init in each instance directory (the raw user-data, its
// processed form, the cloud-config derived from it, its datasource cache) and in NoCloud
// seed directories (a Raspberry Pi's boot partition), Ignition in its cache and on
// Flatcar's OEM partition. Each copy found holding an unscrubbed bundle is scrubbed in
// place, never deleted wholesale: cloud-init keys "already ran" on the instance directory,
// so keeping it (and its semaphores) is what stops write_files from running again.
import { type CopyScrub, isGzip, scrubCloudConfig } from './cloud-config-copy.ts';
import { scrubCloudInitCache } from './cloud-init-cache.ts';
import type { Host } from './host.ts';
import { scrubIgnitionConfig } from './ignition-copy.ts';

export const CLOUD_INIT_INSTANCES = '/var/lib/cloud/instances';
/** NoCloud seeds on the machine's own disks; a seed ISO is read-only and stays what it is. */
export const CLOUD_INIT_SEEDS = [
  '/var/lib/cloud/seed/nocloud/user-data',
  '/var/lib/cloud/seed/nocloud-net/user-data',
  '/boot/firmware/user-data',
];
export const IGNITION_COPIES = [
  '/run/ignition.json',
  '/usr/share/oem/config.ign',
  '/oem/config.ign',
  '/boot/ignition/config.ign',
];

export interface CopyOutcome {
  path: string;
  outcome: 'scrubbed' | 'removed' | 'left';
  why: string;
}

interface Target {
  host: Host;
  bundlePaths: readonly string[];
  /** The scrubbed bundle's text. */
  scrubbed: string;
  outcomes: CopyOutcome[];
}

function isReadOnly(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'EROFS';
}

/** Writes a scrubbed copy in place with the file's own mode; a read-only filesystem is reported, not fatal. */
async function replace(target: Target, path: string, content: string | Uint8Array, why: string): Promise<boolean> {
  const mode = (await target.host.stat(path))?.mode ?? 0o600;
  try {
    await target.host.writeFile(path, content, mode);
  } catch (error) {
    if (!isReadOnly(error)) throw error;
    target.outcomes.push({ path, outcome: 'left', why: 'on a read-only filesystem: it still holds the secrets' });
    return false;
  }
  target.outcomes.push({ path, outcome: 'scrubbed', why });
  return true;
}

async function apply(target: Target, path: string, result: CopyScrub, why: string): Promise<string[]> {
  if (result.kind === 'clean') return [];
  if (result.kind === 'unreadable') {
    target.outcomes.push({
      path,
      outcome: 'left',
      why: `cannot be read as a carrier copy (${result.reason}); check it by hand`,
    });
    return [];
  }
  return (await replace(target, path, result.content, why)) ? result.markers : [];
}

async function scrubCloudConfigFile(
  target: Target,
  path: string,
): Promise<{ markers: string[]; original?: Uint8Array }> {
  const data = await target.host.readBytes(path);
  if (data === undefined) return { markers: [] };
  const result = scrubCloudConfig(data, target.bundlePaths, target.scrubbed);
  const markers = await apply(target, path, result, 'the bundle in write_files replaced by the scrubbed one');
  return { markers, original: data };
}

async function containsAny(host: Host, path: string, markers: readonly string[]): Promise<boolean> {
  const text = await host.readFile(path);
  return text !== undefined && markers.some((marker) => text.includes(marker));
}

async function scrubInstance(target: Target, dir: string): Promise<void> {
  const { host } = target;
  const userData = await scrubCloudConfigFile(target, `${dir}/user-data.txt`);
  const cloudConfig = await scrubCloudConfigFile(target, `${dir}/cloud-config.txt`);
  const markers = [...userData.markers, ...cloudConfig.markers];
  if (markers.length === 0) return;
  const processed = `${dir}/user-data.txt.i`;
  if (userData.markers.length > 0 || (await containsAny(host, processed, markers))) {
    if ((await host.stat(processed)) !== undefined) {
      await host.remove(processed);
      target.outcomes.push({
        path: processed,
        outcome: 'removed',
        why: 'cloud-init writes it again from its scrubbed cache at the next boot',
      });
    }
  }
  const cache = `${dir}/obj.pkl`;
  if ((await host.stat(cache)) === undefined) return;
  const current = (await host.readFile(`${dir}/user-data.txt`)) ?? '';
  // A datasource may keep the user-data base64-encoded as well (Azure's IMDS metadata).
  const original = userData.original;
  const all =
    original && userData.markers.length > 0 && !isGzip(original)
      ? [...markers, Buffer.from(original).toString('base64')]
      : markers;
  const result = await scrubCloudInitCache(host, cache, current, all);
  target.outcomes.push(
    result.kind === 'scrubbed'
      ? { path: cache, outcome: 'scrubbed', why: "cloud-init's datasource cache now holds the scrubbed user-data" }
      : {
          path: cache,
          outcome: 'removed',
          why: `${result.reason}; cloud-init reads its datasource again at the next boot`,
        },
  );
}

/** Finds and scrubs every copy; returns what it did to each copy that held an unscrubbed bundle. */
export async function scrubCarrierCopies(
  host: Host,
  bundlePaths: readonly string[],
  scrubbed: string,
): Promise<CopyOutcome[]> {
  const target: Target = { host, bundlePaths, scrubbed, outcomes: [] };
  for (const instance of (await host.list(CLOUD_INIT_INSTANCES)) ?? [])
    await scrubInstance(target, `${CLOUD_INIT_INSTANCES}/${instance}`);
  for (const path of CLOUD_INIT_SEEDS) await scrubCloudConfigFile(target, path);
  for (const path of IGNITION_COPIES) {
    const text = await host.readFile(path);
    if (text === undefined) continue;
    await apply(
      target,
      path,
      scrubIgnitionConfig(text, bundlePaths, scrubbed),
      'the bundle file entry replaced by the scrubbed bundle',
    );
  }
  return target.outcomes;
}
