// Checks user-data the way a machine would read it: gzip layer off, then cloud-init's own
// schema validator, then every write_files entry decoded as cloud-init decodes it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';

export interface WrittenFile {
  path: string;
  permissions: string;
  content: string;
}

export function decodeUserData(data: Buffer): string {
  const isGzip = data[0] === 0x1f && data[1] === 0x8b;
  return (isGzip ? gunzipSync(data) : data).toString('utf8');
}

/** Runs `cloud-init schema -c`; throws with cloud-init's message when it rejects the file. */
export function cloudInitSchema(text: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-schema-'));
  try {
    const file = join(dir, 'user-data');
    writeFileSync(file, text);
    execFileSync('cloud-init', ['schema', '-c', file], { stdio: 'pipe' });
  } catch (error) {
    const failure = error as { stderr?: Buffer; stdout?: Buffer; message: string };
    throw new Error(
      `cloud-init schema rejected the user-data: ${failure.stderr?.toString() || failure.stdout?.toString() || failure.message}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function writtenFiles(text: string): WrittenFile[] {
  const config = parse(text) as {
    write_files?: Array<{ path: string; permissions: string; encoding?: string; content: string }>;
  };
  return (config.write_files ?? []).map((file) => {
    const raw = Buffer.from(file.content, file.encoding?.includes('b64') ? 'base64' : 'utf8');
    const content = file.encoding?.startsWith('gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    return { path: file.path, permissions: file.permissions, content };
  });
}
