// Reads a file from templates/ as shipped with kubeseed, refusing one that no longer
// matches the sha256 the catalogue pins: machines verify the same hash.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeseedError } from '../core/errors.ts';
import { packageRoot } from '../core/package-root.ts';
import type { TemplateFile } from '../templates/index.ts';
import { sha256Hex } from '../templates/integrity.ts';

export function readPinnedTemplate(entry: TemplateFile): string {
  const text = readFileSync(join(packageRoot(), 'templates', entry.file), 'utf8');
  if (sha256Hex(text) !== entry.sha256) {
    throw new KubeseedError(
      'integrity',
      `templates/${entry.file} does not match its sha256 in templates/index.json; reinstall kubeseed`,
    );
  }
  return text;
}
