// The directory that holds kubeseed's package.json, and with it templates/, examples/ and
// dist/: the repository in a checkout, the installed package under node_modules. Found by
// walking up from this module, because the same code runs from its source file and bundled
// into dist/, at different depths.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

function find(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
  }
}

export function packageRoot(): string {
  found ??= find();
  return found;
}
