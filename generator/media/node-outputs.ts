// What the media commands take from `kubeseed generate`'s output directory: the node's
// entry in nodes.json and its three NoCloud files (nodes/NAME/{user-data,meta-data,
// network-config}), or those three from the node's nodes.json entry where generate wrote
// the json layout. Media are built from those files as written, never re-rendered, so a
// seed or card always matches what generate reported.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Arch } from '../../core/arch.ts';
import { KubeseedError } from '../../core/errors.ts';
import type { NodeContent } from '../outputs.ts';
import type { Carrier } from '../spec/types.ts';

export const NOCLOUD_FILES = ['user-data', 'meta-data', 'network-config'] as const;
export type NocloudFile = (typeof NOCLOUD_FILES)[number];

export interface NodeOutputs {
  name: string;
  arch: Arch;
  files: Record<NocloudFile, Buffer>;
}

async function readOutput(outDir: string, path: string, hint: string): Promise<Buffer> {
  return readFile(join(outDir, path)).catch((error: NodeJS.ErrnoException) => {
    const reason = error.code === 'ENOENT' ? 'no such file' : error.message;
    throw new KubeseedError('io', `cannot read ${join(outDir, path)}: ${reason}; ${hint}`);
  });
}

/** A cloud-init node's NoCloud files; other carriers have none to put on a medium. */
export async function loadNodeOutputs(outDir: string, nodeName: string): Promise<NodeOutputs> {
  const regenerate = `run kubeseed generate -o ${outDir} (or pass --from with the directory generate wrote)`;
  const text = (await readOutput(outDir, 'nodes.json', regenerate)).toString('utf8');
  let report: {
    nodes?: Record<string, { arch: Arch; carrier: Carrier; userData?: { encoding?: string }; content?: NodeContent }>;
  };
  try {
    report = JSON.parse(text) as typeof report;
  } catch (error) {
    throw new KubeseedError(
      'invalid-input',
      `${join(outDir, 'nodes.json')} is not valid JSON (${(error as Error).message}); ${regenerate}`,
    );
  }
  const nodes = report.nodes ?? {};
  const node = Object.hasOwn(nodes, nodeName) ? nodes[nodeName] : undefined;
  if (!node) {
    throw new KubeseedError(
      'usage',
      `--node ${nodeName}: no such node in ${join(outDir, 'nodes.json')}; nodes: ${Object.keys(nodes).join(', ') || 'none'}`,
    );
  }
  if (node.carrier !== 'cloud-init') {
    throw new KubeseedError(
      'invalid-spec',
      `node ${nodeName} uses the ${node.carrier} carrier, but NoCloud media carry cloud-init files; set carrier: cloud-init for ${nodeName} in the cluster spec and generate again`,
    );
  }
  const files = {} as Record<NocloudFile, Buffer>;
  for (const file of NOCLOUD_FILES) {
    if (!node.content) {
      files[file] = await readOutput(outDir, `nodes/${nodeName}/${file}`, regenerate);
      continue;
    }
    // The json layout (generate --layout json): the files are in the node's entry.
    const text = node.content[file];
    if (typeof text !== 'string') {
      throw new KubeseedError(
        'invalid-input',
        `${join(outDir, 'nodes.json')}: nodes.${nodeName}.content has no ${file}; ${regenerate}`,
      );
    }
    const gzipped = file === 'user-data' && node.userData?.encoding === 'gzip';
    files[file] = gzipped ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  }
  return { name: nodeName, arch: node.arch, files };
}
