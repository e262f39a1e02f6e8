// Reads a file from templates/ as shipped with kubeseed, refusing one that no longer
// matches the sha256 the catalogue pins: machines verify the same hash.
import { readFileSync } from 'node:fs';
import { KubeseedError } from '../core/errors.ts';
import { sha256Hex, type TemplateFile } from '../templates/index.ts';

export function readPinnedTemplate(entry: TemplateFile): string {
  const text = readFileSync(new URL(`../templates/${entry.file}`, import.meta.url), 'utf8');
  if (sha256Hex(text) !== entry.sha256) {
    throw new KubeseedError(
      'integrity',
      `templates/${entry.file} does not match its sha256 in templates/index.json; reinstall kubeseed`,
    );
  }
  return text;
}
