// Node's single executable application recipe: a blob made from the agent script, injected into
// a copy of the stock node binary.

import { copyFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { runCommand } from './command.ts';
import { type AgentArch, TARGETS } from './targets.ts';

const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const BLOB_NAME = 'sea-prep.blob';
const postjectCli = createRequire(import.meta.url).resolve('postject/dist/cli.js');

/**
 * Makes the blob with `node` (the shipped version) from `scriptName` inside `workDir`.
 * Relative paths because the blob records the main script's path: the build directory
 * must not leak into the binary. No code cache or snapshot: both are machine code for the
 * architecture that made them, and the blob is shared by both architectures.
 */
export async function makeSeaBlob(node: string, workDir: string, scriptName: string): Promise<string> {
  const config = {
    main: scriptName,
    output: BLOB_NAME,
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: false,
  };
  await writeFile(join(workDir, 'sea-config.json'), `${JSON.stringify(config, null, 2)}\n`);
  await runCommand(node, ['--experimental-sea-config', 'sea-config.json'], { cwd: workDir });
  return join(workDir, BLOB_NAME);
}

/** Writes `output`: `baseNode` stripped, then the blob injected (stripping afterwards breaks the binary). */
export async function injectSeaBlob(arch: AgentArch, baseNode: string, blob: string, output: string): Promise<void> {
  await copyFile(baseNode, output);
  await runCommand(TARGETS[arch].strip, ['--strip-all', output]);
  await runCommand(process.execPath, [postjectCli, output, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);
}
