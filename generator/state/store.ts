// The state directory: the cluster's CAs, keys and bootstrap token, made once and reused
// byte for byte on every later run, because every node and kubeconfig trusts them.
// It is either absent, complete, or an error; never half-written.
import { chmod, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { syncDirectory } from '../../core/atomic-write.ts';
import { KubeseedError } from '../../core/errors.ts';
import { createClusterPki } from '../pki/cluster-pki.ts';
import type { ClusterPki } from '../pki/types.ts';
import type { ClusterSpec, KeyAlgorithm } from '../spec/types.ts';
import { type BootstrapToken, formatBootstrapToken, generateBootstrapToken } from '../tokens/bootstrap-token.ts';
import { pkiFromFiles, pkiToFiles, STATE_DIRS, STATE_FILES, type StateFiles } from './layout.ts';
import { renderMetadata } from './metadata.ts';
import { makePrivateDir, writeNewPrivateFile } from './private-files.ts';
import { readStateDir } from './read.ts';
import { validateState } from './validate.ts';

export interface ClusterState {
  clusterName: string;
  algorithm: KeyAlgorithm;
  pki: ClusterPki;
  token: BootstrapToken;
  /** ISO 8601: when the state was made; the initial token expires no earlier than this plus its TTL. */
  createdAt: string;
}

/**
 * The state in `dir`, read and checked, or a new one made in memory when `dir` is absent or
 * empty: nothing is written here, so a later failure (an output that does not fit) leaves
 * no state behind. `persistState` writes a new one once everything else succeeded.
 */
export async function prepareState(
  dir: string,
  spec: ClusterSpec,
  now: Date,
): Promise<{ state: ClusterState; created: boolean }> {
  if (await holdsAnything(dir)) return { state: await loadState(dir, spec), created: false };
  const state: ClusterState = {
    clusterName: spec.name,
    algorithm: spec.pki.algorithm,
    pki: await createClusterPki({ ...spec.pki, now }),
    token: generateBootstrapToken(),
    createdAt: now.toISOString(),
  };
  return { state, created: true };
}

/** Writes a state `prepareState` made into `dir`, all of it or nothing; never over an existing one. */
export async function persistState(dir: string, state: ClusterState, createdAt: Date): Promise<void> {
  await writeAtomically(dir, {
    'cluster.yaml': renderMetadata({
      clusterName: state.clusterName,
      algorithm: state.algorithm,
      createdAt: createdAt.toISOString(),
    }),
    ...pkiToFiles(state.pki),
    token: `${formatBootstrapToken(state.token)}\n`,
  });
}

async function holdsAnything(dir: string): Promise<boolean> {
  const stats = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!stats) return false;
  if (!stats.isDirectory()) {
    throw invalidState(
      `state directory ${dir} is not a directory`,
      dir,
      'exists but is not a directory; pass a directory path',
    );
  }
  return (await readdir(dir)).length > 0;
}

async function loadState(dir: string, spec: ClusterSpec): Promise<ClusterState> {
  const { files, missing, problems } = await readStateDir(dir);
  if (missing.length === STATE_FILES.length) {
    throw invalidState(
      `${dir} is not a kubeseed state directory`,
      dir,
      'is not empty but holds none of the state files; choose a new or empty directory',
    );
  }
  for (const file of missing) {
    problems.push({
      path: join(dir, file),
      message: `is missing, so the state is incomplete; restore ${dir} from its backup, or move it aside to create a new cluster`,
    });
  }
  const readable = STATE_FILES.every((file) => files[file] !== undefined);
  const validated = readable ? validateState(dir, files as StateFiles, spec) : undefined;
  problems.push(...(validated?.problems ?? []));
  const state = validated?.state;
  if (!state || problems.length > 0) {
    throw new KubeseedError('invalid-state', `state directory ${dir} is unusable`, problems);
  }
  return {
    clusterName: state.metadata.clusterName,
    algorithm: state.metadata.algorithm,
    pki: pkiFromFiles(files as StateFiles),
    token: state.token,
    createdAt: state.metadata.createdAt,
  };
}

/** A state directory that must already exist: day-2 commands never create a cluster. */
export async function loadExistingState(dir: string, spec: ClusterSpec): Promise<ClusterState> {
  if (!(await holdsAnything(dir))) {
    throw invalidState(
      `no cluster state in ${dir}`,
      dir,
      'holds no state; pass the --state (or -o) directory that `kubeseed generate` wrote',
    );
  }
  return loadState(dir, spec);
}

// Everything is written into a staging directory beside the target and renamed into
// place last: a crash leaves only a `.<name>.partial-*` sibling, never a half state
// under the real name. rename(2) also replaces an empty target directory, and fails if
// another run filled it meanwhile, so no file is ever overwritten.
async function writeAtomically(dir: string, files: StateFiles): Promise<void> {
  const target = resolve(dir);
  const parent = dirname(target);
  let staging: string | undefined;
  try {
    await mkdir(parent, { recursive: true, mode: 0o700 });
    staging = await mkdtemp(join(parent, `.${basename(target)}.partial-`));
    await makePrivateStaging(staging, files);
    await rename(staging, target);
    staging = undefined;
    await syncDirectory(parent);
  } catch (error) {
    if (staging) await rm(staging, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') {
      throw invalidState(
        `state directory ${dir} appeared while it was being created`,
        dir,
        'was filled by another run; run again to use it',
      );
    }
    throw new KubeseedError('io', `cannot create state directory ${dir}: ${(error as Error).message}`);
  }
}

async function makePrivateStaging(staging: string, files: StateFiles): Promise<void> {
  await chmod(staging, 0o700);
  for (const sub of STATE_DIRS) await makePrivateDir(join(staging, sub));
  for (const file of STATE_FILES) await writeNewPrivateFile(join(staging, file), files[file]);
  for (const sub of [...STATE_DIRS].reverse()) await syncDirectory(join(staging, sub));
  await syncDirectory(staging);
}

function invalidState(message: string, path: string, problem: string): KubeseedError {
  return new KubeseedError('invalid-state', message, [{ path, message: problem }]);
}
