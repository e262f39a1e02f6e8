// A copy of cloud-init user-data (or of the cloud-config cloud-init derives from it) with
// the node bundle inside write_files: scrubbing replaces that entry's content with the
// scrubbed bundle and keeps every other key and entry, so cloud-init reading the copy
// again (its per-boot modules: hostname, for one) behaves as before, and writing it again
// would write only the scrubbed bundle.
import { gunzipSync, gzipSync } from 'node:zlib';
import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';

export type CopyScrub =
  | { kind: 'clean' }
  | { kind: 'scrubbed'; content: string /** The replaced values: they carried the secrets. */; markers: string[] }
  | { kind: 'unreadable'; reason: string };

const HEADER = '#cloud-config';
/** cloud-init's names for write_files encodings (cc_write_files). */
const GZIP_BASE64 = ['gz+base64', 'gzip+base64', 'gz+b64', 'gzip+b64'];
const BASE64 = ['b64', 'base64'];

export function isGzip(data: Uint8Array): boolean {
  return data[0] === 0x1f && data[1] === 0x8b;
}

function decodeContent(content: string, encoding: string): string | undefined {
  try {
    if (GZIP_BASE64.includes(encoding)) return gunzipSync(Buffer.from(content, 'base64')).toString('utf8');
    if (BASE64.includes(encoding)) return Buffer.from(content, 'base64').toString('utf8');
    if (encoding === 'text/plain') return content;
  } catch {
    // damaged content: replaced like any other
  }
  return undefined;
}

/** gzip+base64 as the carrier writes it; the scrubbed bundle is small, but the same encoding keeps the copy alike. */
export function gzipBase64(text: string): string {
  return gzipSync(text, { level: 9 }).toString('base64');
}

/**
 * Scrubs one cloud-config (plain or gzip); `bundlePaths` are where the bundle may be
 * written, `scrubbed` is the scrubbed bundle's text. The result is always plain text.
 */
export function scrubCloudConfig(data: Uint8Array, bundlePaths: readonly string[], scrubbed: string): CopyScrub {
  let text: string;
  try {
    text = (isGzip(data) ? gunzipSync(data) : Buffer.from(data)).toString('utf8');
  } catch (error) {
    return { kind: 'unreadable', reason: `not valid gzip (${(error as Error).message})` };
  }
  if (!text.startsWith(HEADER)) return { kind: 'unreadable', reason: `it does not begin with ${HEADER}` };
  const document = parseDocument(text);
  if (document.errors.length > 0)
    return { kind: 'unreadable', reason: `not valid YAML (${document.errors[0]?.message.split('\n')[0]})` };
  const files = isMap(document.contents) ? document.contents.get('write_files', true) : undefined;
  if (!isSeq(files)) return { kind: 'clean' };
  const markers: string[] = [];
  for (const item of files.items) {
    if (!isMap(item)) continue;
    const entry = item as YAMLMap<unknown, unknown>;
    const path = entry.get('path');
    const content = entry.get('content');
    if (typeof path !== 'string' || !bundlePaths.includes(path) || typeof content !== 'string') continue;
    const encoding = String(entry.get('encoding') ?? 'text/plain').toLowerCase();
    if (decodeContent(content, encoding) === scrubbed) continue;
    markers.push(content);
    entry.set('encoding', 'gz+b64');
    entry.set('content', gzipBase64(scrubbed));
  }
  if (markers.length === 0) return { kind: 'clean' };
  return { kind: 'scrubbed', content: document.toString({ lineWidth: 0 }), markers };
}
