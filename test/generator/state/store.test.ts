// The state directory against its product rules: private modes, byte-exact reuse,
// every inconsistency refused without touching a file, and no half state after a crash.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { KubeseedError } from '../../../core/errors.ts';
import type { ClusterSpec } from '../../../generator/spec/types.ts';
import { STATE_DIRS, STATE_FILES } from '../../../generator/state/layout.ts';
import { type ClusterState, persistState, prepareState } from '../../../generator/state/store.ts';
import { formatBootstrapToken } from '../../../generator/tokens/bootstrap-token.ts';

const NOW = new Date('2025-03-01T10:00:00Z');

function clusterSpec(changes: { name?: string; algorithm?: ClusterSpec['pki']['algorithm'] } = {}): ClusterSpec {
  return {
    name: changes.name ?? 'demo',
    kubernetesVersion: '1.33.2',
    kubernetesMinor: '1.33',
    controlPlaneEndpoint: { host: '10.0.0.10', port: 6443 },
    networking: { podSubnets: ['10.244.0.0/16'], serviceSubnets: ['10.96.0.0/12'], dnsDomain: 'cluster.local' },
    // ECDSA keeps this file fast; the algorithms themselves are covered by pki.test.ts.
    pki: {
      algorithm: changes.algorithm ?? 'ECDSA-P256',
      caValidityHours: 87600,
      certValidityHours: 8760,
      adminValidityHours: 8760,
    },
    tokens: { ttlSeconds: 86400 },
    maintenance: { etcdSnapshots: { everyHours: 12, keep: 5 } },
    podNetwork: 'flannel',
    registries: [],
    imageArchives: [],
    nodes: [],
  };
}

type Snapshot = Record<string, { mode: string; bytes: string; mtimeMs: number }>;

function snapshot(dir: string): Snapshot {
  const result: Snapshot = {};
  const walk = (path: string): void => {
    const stats = statSync(path);
    const entry = { mode: (stats.mode & 0o777).toString(8), bytes: '', mtimeMs: stats.mtimeMs };
    if (stats.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    else entry.bytes = readFileSync(path).toString('base64');
    result[relative(dir, path) || '.'] = entry;
  };
  walk(dir);
  return result;
}

/** What generate does with the state: read it, or make one in memory and write it. */
async function loadOrCreateState(dir: string, spec: ClusterSpec, now: Date) {
  const prepared = await prepareState(dir, spec, now);
  if (prepared.created) await persistState(dir, prepared.state, now);
  return prepared;
}

const root = mkdtempSync(join(tmpdir(), 'kubeseed-state-'));
const template = join(root, 'template', 'state');
// umask 0 proves the modes come from explicit chmod, not from the environment.
const previousUmask = process.umask(0);
const created = await loadOrCreateState(template, clusterSpec(), NOW).finally(() => process.umask(previousUmask));

let copies = 0;
function copyOfTemplate(): string {
  const dir = join(root, `copy-${++copies}`, 'state');
  cpSync(template, dir, { recursive: true, preserveTimestamps: true });
  return dir;
}

async function expectRefusal(dir: string, spec: ClusterSpec, file: string, message: RegExp): Promise<KubeseedError> {
  const before = snapshot(dir);
  const error = await loadOrCreateState(dir, spec, NOW).then(
    (result: { state: ClusterState }) => result,
    (caught: unknown) => caught,
  );
  assert.instance(error, KubeseedError);
  const refusal = error as KubeseedError;
  assert.is(refusal.code, 'invalid-state');
  const path = join(dir, file);
  assert.ok(
    refusal.problems.some((problem) => problem.path === path && message.test(problem.message)),
    `expected a problem for ${path} matching ${message}, got ${JSON.stringify(refusal.problems, null, 2)}`,
  );
  assert.equal(snapshot(dir), before, 'nothing in the state directory changed');
  return refusal;
}

const creation = suite('state: creation and reuse');

creation('creates a complete state with private modes in a missing directory', () => {
  assert.is(created.created, true);
  const snap = snapshot(template);
  const files = Object.keys(snap).filter((path) => snap[path]!.bytes !== '');
  assert.equal(files.sort(), [...STATE_FILES].sort());
  for (const dir of ['.', ...STATE_DIRS]) assert.is(snap[dir]!.mode, '700', `${dir} is 0700`);
  for (const file of STATE_FILES) assert.is(snap[file]!.mode, '600', `${file} is 0600`);
  assert.equal(readdirSync(join(root, 'template')), ['state'], 'no staging directory is left behind');
});

creation('writes exactly the state it returns', () => {
  const { state } = created;
  const read = (file: string) => readFileSync(join(template, file), 'utf8');
  assert.is(state.clusterName, 'demo');
  assert.is(state.algorithm, 'ECDSA-P256');
  assert.is(read('pki/ca.crt'), state.pki.ca.cert);
  assert.is(read('pki/etcd/ca.key'), state.pki.etcdCa.key);
  assert.is(read('pki/sa.pub'), state.pki.serviceAccount.pub);
  assert.is(read('token'), `${formatBootstrapToken(state.token)}\n`);
  assert.equal(parse(read('cluster.yaml')), {
    version: 1,
    clusterName: 'demo',
    algorithm: 'ECDSA-P256',
    createdAt: NOW.toISOString(),
  });
});

creation('reuses an existing state byte for byte and reports created=false', async () => {
  const dir = copyOfTemplate();
  const before = snapshot(dir);
  const reused = await loadOrCreateState(dir, clusterSpec(), new Date('2026-01-01T00:00:00Z'));
  assert.is(reused.created, false);
  assert.equal(reused.state, created.state);
  assert.equal(snapshot(dir), before);
});

creation('creates into an existing empty directory and below missing parents', async () => {
  const empty = join(root, 'empty', 'state');
  mkdirSync(empty, { recursive: true, mode: 0o755 });
  const deep = join(root, 'a', 'b', 'state');
  for (const dir of [empty, deep]) {
    const result = await loadOrCreateState(dir, clusterSpec(), NOW);
    assert.is(result.created, true);
    assert.is(snapshot(dir)['.']!.mode, '700');
    assert.is.not(result.state.pki.ca.cert, created.state.pki.ca.cert);
    assert.is((await loadOrCreateState(dir, clusterSpec(), NOW)).created, false);
  }
});

creation('a new state is made in memory only: nothing is written until persistState', async () => {
  const parent = join(root, 'in-memory');
  const prepared = await prepareState(join(parent, 'state'), clusterSpec(), NOW);
  assert.is(prepared.created, true);
  assert.not.ok(existsSync(parent), 'not even the parent directory');
});

creation('persistState never writes over a state another run made meanwhile', async () => {
  const dir = join(root, 'raced', 'state');
  const first = await prepareState(dir, clusterSpec(), NOW);
  const second = await prepareState(dir, clusterSpec(), NOW);
  await persistState(dir, first.state, NOW);
  const before = snapshot(dir);
  const error = await persistState(dir, second.state, NOW).catch((caught: unknown) => caught);
  assert.instance(error, KubeseedError);
  assert.match((error as KubeseedError).message, /appeared while it was being created/);
  assert.equal(snapshot(dir), before);
  assert.equal(readdirSync(join(root, 'raced')), ['state'], 'no staging directory is left behind');
});

creation('a staging directory left by a crashed run is not taken as state', async () => {
  const parent = join(root, 'crashed');
  const staging = join(parent, '.state.partial-Ab12Cd');
  mkdirSync(join(staging, 'pki'), { recursive: true, mode: 0o700 });
  writeFileSync(join(staging, 'cluster.yaml'), readFileSync(join(template, 'cluster.yaml')), { mode: 0o600 });
  writeFileSync(join(staging, 'pki/ca.crt'), readFileSync(join(template, 'pki/ca.crt')), { mode: 0o600 });
  const stagingBefore = snapshot(staging);

  const result = await loadOrCreateState(join(parent, 'state'), clusterSpec(), NOW);
  assert.is(result.created, true);
  assert.is.not(result.state.pki.ca.cert, created.state.pki.ca.cert, 'a fresh CA, not the crashed one');
  assert.equal(
    Object.keys(snapshot(join(parent, 'state'))).filter((p) => STATE_FILES.includes(p as never)).length,
    STATE_FILES.length,
  );
  assert.equal(snapshot(staging), stagingBefore);
});

creation.run();

const refusals = suite('state: inconsistencies are refused and nothing is written');

refusals("another cluster name than the spec's", async () => {
  await expectRefusal(
    copyOfTemplate(),
    clusterSpec({ name: 'other' }),
    'cluster.yaml',
    /clusterName: .*"demo".*"other"/,
  );
});

refusals("an algorithm other than the spec's pki.algorithm", async () => {
  await expectRefusal(
    copyOfTemplate(),
    clusterSpec({ algorithm: 'RSA-2048' }),
    'cluster.yaml',
    /ECDSA-P256.*pki\.algorithm is RSA-2048/,
  );
});

refusals('a missing file (partial state)', async () => {
  const dir = copyOfTemplate();
  unlinkSync(join(dir, 'pki/sa.pub'));
  unlinkSync(join(dir, 'token'));
  const refusal = await expectRefusal(dir, clusterSpec(), 'pki/sa.pub', /missing/);
  assert.ok(refusal.problems.some((problem) => problem.path === join(dir, 'token')));
});

refusals('a CA certificate that is not a CA', async () => {
  const dir = copyOfTemplate();
  writeFileSync(join(dir, 'pki/front-proxy-ca.crt'), readFileSync(join(dir, 'pki/admin.crt')));
  await expectRefusal(dir, clusterSpec(), 'pki/front-proxy-ca.crt', /not a CA certificate/);
});

refusals('a CA certificate that does not match its key', async () => {
  const dir = copyOfTemplate();
  writeFileSync(join(dir, 'pki/ca.key'), readFileSync(join(dir, 'pki/etcd/ca.key')));
  await expectRefusal(dir, clusterSpec(), 'pki/ca.key', /does not match pki\/ca\.crt/);
});

refusals('an admin certificate not signed by the CA', async () => {
  const dir = copyOfTemplate();
  for (const ext of ['crt', 'key'])
    writeFileSync(join(dir, `pki/ca.${ext}`), readFileSync(join(dir, `pki/front-proxy-ca.${ext}`)));
  await expectRefusal(dir, clusterSpec(), 'pki/admin.crt', /not signed by pki\/ca\.crt/);
});

refusals('sa.pub that is not the public half of sa.key', async () => {
  const dir = copyOfTemplate();
  const otherPub = createPublicKey(createPrivateKey(readFileSync(join(dir, 'pki/ca.key')))).export({
    type: 'spki',
    format: 'pem',
  });
  writeFileSync(join(dir, 'pki/sa.pub'), otherPub);
  await expectRefusal(dir, clusterSpec(), 'pki/sa.pub', /not the public half of pki\/sa\.key/);
});

refusals('a key of another algorithm than cluster.yaml records', async () => {
  const dir = copyOfTemplate();
  const yaml = join(dir, 'cluster.yaml');
  writeFileSync(yaml, readFileSync(yaml, 'utf8').replace('ECDSA-P256', 'ECDSA-P384'));
  await expectRefusal(
    dir,
    clusterSpec({ algorithm: 'ECDSA-P384' }),
    'pki/sa.key',
    /ECDSA-P256 key but cluster\.yaml records ECDSA-P384/,
  );
});

refusals('a malformed token file, without echoing it', async () => {
  const dir = copyOfTemplate();
  writeFileSync(join(dir, 'token'), 'abcdef.SECRETPART123456\n');
  const refusal = await expectRefusal(dir, clusterSpec(), 'token', /not a bootstrap token/);
  assert.not.ok(JSON.stringify(refusal.problems).includes('SECRETPART'));
});

refusals('a malformed cluster.yaml', async () => {
  const dir = copyOfTemplate();
  writeFileSync(join(dir, 'cluster.yaml'), 'clusterName: [demo\n');
  await expectRefusal(dir, clusterSpec(), 'cluster.yaml', /not valid YAML/);
});

refusals('group- or world-readable secrets, naming the chmod to run', async () => {
  const dir = copyOfTemplate();
  chmodSync(join(dir, 'pki/etcd/ca.key'), 0o640);
  chmodSync(join(dir, 'token'), 0o644);
  const refusal = await expectRefusal(
    dir,
    clusterSpec(),
    'pki/etcd/ca.key',
    /mode 0640; run: chmod 600 .*pki\/etcd\/ca\.key$/,
  );
  assert.ok(refusal.problems.some((problem) => problem.message.endsWith(`chmod 600 ${join(dir, 'token')}`)));
});

refusals('a directory holding something else, or a file in its place', async () => {
  const unrelated = join(root, 'unrelated');
  mkdirSync(unrelated);
  writeFileSync(join(unrelated, 'notes.txt'), 'hello');
  await expectRefusal(unrelated, clusterSpec(), '', /holds none of the state files/);

  const file = join(root, 'a-file');
  writeFileSync(file, 'x');
  const error = await loadOrCreateState(file, clusterSpec(), NOW).catch((caught: unknown) => caught);
  assert.instance(error, KubeseedError);
  assert.is((error as KubeseedError).code, 'invalid-state');
  assert.is(readFileSync(file, 'utf8'), 'x');
});

refusals.after(() => rmSync(root, { recursive: true, force: true }));
refusals.run();
