// Whether template files are the ones the catalogue (index.ts) pins. Functions take the
// templates directory as an argument because the same check runs on the repository and on
// a machine image's installed copy.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexedTemplates } from './index.ts';

export function sha256Hex(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

export interface TemplateMismatch {
  key: string;
  file: string;
  expected: string;
  /** The file's sha256, or undefined when it is missing. */
  actual: string | undefined;
}

function fileSha256(path: string): string | undefined {
  try {
    return sha256Hex(readFileSync(path));
  } catch {
    return undefined;
  }
}

/** Recomputes every indexed template's sha256 under `templatesDir`. */
export function templateSha256Ok(templatesDir: string): { ok: boolean; mismatches: TemplateMismatch[] } {
  const mismatches = indexedTemplates().flatMap(({ key, file, sha256 }) => {
    const actual = fileSha256(join(templatesDir, file));
    return actual === sha256 ? [] : [{ key, file, expected: sha256, actual }];
  });
  return { ok: mismatches.length === 0, mismatches };
}
