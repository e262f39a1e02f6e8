// A copy of an Ignition config (Flatcar keeps one on its OEM partition, Ignition caches
// the one it ran in /run): scrubbing points the bundle's file entry at the scrubbed
// bundle and keeps the rest, so the copy stays a valid config.
import { gunzipSync } from 'node:zlib';
import { isRecord } from '../core/schema.ts';
import { type CopyScrub, gzipBase64 } from './cloud-config-copy.ts';

const DATA_URL = /^data:([^,]*),(.*)$/s;

function decodeSource(contents: Record<string, unknown>): string | undefined {
  const match = typeof contents.source === 'string' ? DATA_URL.exec(contents.source) : null;
  if (!match) return undefined;
  try {
    const raw = match[1]!.endsWith(';base64')
      ? Buffer.from(match[2]!, 'base64')
      : Buffer.from(decodeURIComponent(match[2]!), 'utf8');
    return (contents.compression === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
  } catch {
    return undefined;
  }
}

export function scrubIgnitionConfig(text: string, bundlePaths: readonly string[], scrubbed: string): CopyScrub {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    return { kind: 'unreadable', reason: `not valid JSON (${(error as Error).message})` };
  }
  if (!isRecord(config) || !isRecord(config.ignition))
    return { kind: 'unreadable', reason: 'not an Ignition config (no "ignition" object)' };
  const files = isRecord(config.storage) && Array.isArray(config.storage.files) ? config.storage.files : [];
  const markers: string[] = [];
  for (const file of files) {
    if (!isRecord(file) || typeof file.path !== 'string' || !bundlePaths.includes(file.path)) continue;
    const contents = isRecord(file.contents) ? file.contents : {};
    if (decodeSource(contents) === scrubbed) continue;
    markers.push(typeof contents.source === 'string' ? contents.source.replace(/^data:[^,]*,/, '') : '');
    // No verification hash: it would be the old content's.
    file.contents = { compression: 'gzip', source: `data:;base64,${gzipBase64(scrubbed)}` };
  }
  if (markers.length === 0) return { kind: 'clean' };
  return { kind: 'scrubbed', content: `${JSON.stringify(config)}\n`, markers: markers.filter(Boolean) };
}
