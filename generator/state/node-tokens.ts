// state/nodes.yaml: every node generated so far and the bootstrap token its bundle
// carries. Nodes of the first run carry the initial token (state/token); a node added
// later carries its own, registered in the running cluster when it was added. Later runs
// render each node from this record, so existing nodes' outputs never change.
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { atomicWrite } from '../../core/atomic-write.ts';
import { KubeseedError } from '../../core/errors.ts';
import { stringifyYaml } from '../../core/yaml-stringify.ts';
import { type BootstrapToken, formatBootstrapToken, parseBootstrapToken } from '../tokens/bootstrap-token.ts';

export const NODE_TOKENS_FILE = 'nodes.yaml';
const RECORD_VERSION = 1;
const INITIAL = 'initial';

export type NodeToken = { kind: 'initial' } | { kind: 'own'; token: BootstrapToken; expires?: string };

export interface NodeTokenRecord {
  /** The node that ran (or will run) `kubeadm init`. */
  initNode: string;
  nodes: Record<string, NodeToken>;
}

function damaged(path: string, message: string): KubeseedError {
  return new KubeseedError('invalid-state', `state file ${path} is unusable`, [
    { path, message: `${message}; restore it from the state backup` },
  ]);
}

export async function readNodeTokens(stateDir: string): Promise<NodeTokenRecord | undefined> {
  const path = join(stateDir, NODE_TOKENS_FILE);
  const stats = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!stats) return undefined;
  if (!stats.isFile()) throw damaged(path, 'is not a regular file');
  if ((stats.mode & 0o077) !== 0) {
    throw new KubeseedError('invalid-state', `state file ${path} is readable by others`, [
      {
        path,
        message: `holds bootstrap tokens but has mode ${(stats.mode & 0o777).toString(8)}; run: chmod 600 ${path}`,
      },
    ]);
  }
  const document = parseDocument(await readFile(path, 'utf8'));
  if (document.errors.length > 0) throw damaged(path, 'is not valid YAML');
  const value = document.toJS() as { version?: unknown; initNode?: unknown; nodes?: unknown } | null;
  if (value?.version !== RECORD_VERSION) throw damaged(path, `version: must be ${RECORD_VERSION}`);
  if (typeof value.initNode !== 'string') throw damaged(path, 'initNode: must be a node name');
  if (typeof value.nodes !== 'object' || value.nodes === null) throw damaged(path, 'nodes: must be a mapping');
  const nodes: Record<string, NodeToken> = {};
  for (const [name, entry] of Object.entries(value.nodes as Record<string, unknown>)) {
    if (entry === INITIAL) {
      nodes[name] = { kind: 'initial' };
      continue;
    }
    const { token, expires } = (entry ?? {}) as { token?: unknown; expires?: unknown };
    const parsed = typeof token === 'string' ? parseBootstrapToken(token) : undefined;
    // Never echo the value: it is most of a credential.
    if (!parsed) throw damaged(path, `nodes.${name}.token: is not a bootstrap token`);
    if (expires !== undefined && (typeof expires !== 'string' || Number.isNaN(Date.parse(expires))))
      throw damaged(path, `nodes.${name}.expires: must be an RFC 3339 time`);
    nodes[name] = { kind: 'own', token: parsed, ...(typeof expires === 'string' ? { expires } : {}) };
  }
  return { initNode: value.initNode, nodes };
}

export function renderNodeTokens(record: NodeTokenRecord): string {
  const header =
    '# kubeseed state: the nodes generated so far and the bootstrap token each carries ("initial": state/token).\n';
  const nodes = Object.fromEntries(
    Object.entries(record.nodes).map(([name, entry]) => [
      name,
      entry.kind === 'initial'
        ? INITIAL
        : { token: formatBootstrapToken(entry.token), ...(entry.expires ? { expires: entry.expires } : {}) },
    ]),
  );
  // The fast writer: yaml's own text (no value here is long enough for its default line
  // width to fold), without its document tree for every node of a fleet.
  return header + stringifyYaml({ version: RECORD_VERSION, initNode: record.initNode, nodes });
}

export async function writeNodeTokens(stateDir: string, record: NodeTokenRecord): Promise<void> {
  await atomicWrite(join(stateDir, NODE_TOKENS_FILE), renderNodeTokens(record), { mode: 0o600 });
}
