// Nodes added after the first generate: a fresh bootstrap token registered through a
// stand-in Kubernetes API server (TLS from the cluster CA, admin client certificate
// required), cluster-info signed before the carrier is written, and nothing written when
// the API is down, presents another CA, or refuses.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { generate } from '../../../generator/generate.ts';
import { podNetworkTemplate } from '../../../generator/pod-network-template.ts';
import { loadSpec } from '../../../generator/spec/load.ts';
import { KubeApiStandIn, NODE_TOKEN_GROUP, strangerCa } from '../../helpers/kube-api-stand-in.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { needing } from '../../helpers/tools.ts';

function spec(port: number, workers: string[]): string {
  return `apiVersion: kubeseed.dev/v1alpha1
kind: Cluster
name: lab
kubernetesVersion: 1.34.2
controlPlaneEndpoint: 127.0.0.1:${port}
networking:
  podSubnet: 10.244.0.0/16
pki:
  algorithm: ECDSA-P256
tokens:
  ttl: 2h
machineImage: prepared
nodes:
  - name: cp-1
    role: control-plane
    address: 10.0.0.11
${workers.map((name) => `  - name: ${name}\n    role: worker\n`).join('')}`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Every file under dir with its mode and sha256: "nothing written" means this is unchanged. */
function tree(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (path: string) => {
    for (const entry of readdirSync(path).sort()) {
      const full = join(path, entry);
      const stats = statSync(full);
      if (stats.isDirectory()) walk(full);
      else
        result[relative(dir, full)] =
          `${(stats.mode & 0o777).toString(8)} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`;
    }
  };
  walk(dir);
  return result;
}

function bundleToken(out: string, node: string): string {
  const bundle = parse(readFileSync(join(out, 'nodes', node, 'node.yaml'), 'utf8')) as { kubeadm: { config: string } };
  const match = /token: ([a-z0-9]{6}\.[a-z0-9]{16})/.exec(bundle.kubeadm.config);
  if (!match) throw new Error(`no token in ${node}'s kubeadm config`);
  return match[1]!;
}

interface Cluster {
  dir: string;
  out: string;
  port: number;
  file: string;
  ca: { cert: string; key: string };
}

const test = needing(
  suite<{ cluster: Cluster; apis: KubeApiStandIn[] }>('day-two: nodes added later (stand-in API server)'),
  { tools: ['openssl'] },
);

test.before(async (context) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-day-two-'));
  const port = await freePort();
  const file = join(dir, 'cluster.yaml');
  writeFileSync(file, spec(port, ['w-1']));
  const out = join(dir, 'out');
  const first = await runCli(['generate', '-f', file, '-o', out]);
  assert.is(first.code, 0, first.stderr);
  const ca = {
    cert: readFileSync(join(out, 'state/pki/ca.crt'), 'utf8'),
    key: readFileSync(join(out, 'state/pki/ca.key'), 'utf8'),
  };
  context.cluster = { dir, out, port, file, ca };
  context.apis = [];
});

test.after.each(async (context) => {
  for (const api of context.apis.splice(0)) await api.close();
});

test.after((context) => rmSync(context.cluster.dir, { recursive: true, force: true }));

async function standIn(
  context: { cluster: Cluster; apis: KubeApiStandIn[] },
  options: Partial<ConstructorParameters<typeof KubeApiStandIn>[0]> = {},
) {
  const api = new KubeApiStandIn({
    serverCa: context.cluster.ca,
    clientCa: context.cluster.ca.cert,
    signDelayMs: 1500,
    ...options,
  });
  await api.start(context.cluster.port);
  context.apis.push(api);
  return api;
}

test('the first generate records every node with the initial token, in a 0600 state file', ({ cluster }) => {
  const path = join(cluster.out, 'state/nodes.yaml');
  assert.is(statSync(path).mode & 0o777, 0o600);
  const record = parse(readFileSync(path, 'utf8'));
  assert.equal(record, { version: 1, initNode: 'cp-1', nodes: { 'cp-1': 'initial', 'w-1': 'initial' } });
  const initial = readFileSync(join(cluster.out, 'state/token'), 'utf8').trim();
  assert.is(bundleToken(cluster.out, 'w-1'), initial);
});

test('API down: a node added later is refused with what to do, and nothing is written', async (context) => {
  const { cluster } = context;
  const before = tree(cluster.dir);
  writeFileSync(cluster.file, spec(cluster.port, ['w-1', 'w-2']));
  const result = await runCli(['generate', '-f', cluster.file, '-o', cluster.out]);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, `cannot reach the cluster's API server at https://127.0.0.1:${cluster.port}`);
  assert.match(result.stderr, /start a control plane/);
  assert.not.match(result.stderr, /\n\s+at /, 'no stack trace');
  const after = tree(cluster.dir);
  delete before['cluster.yaml'];
  delete after['cluster.yaml'];
  assert.equal(after, before);
});

test('a server with a certificate from another CA is not trusted: nothing is sent, nothing written', async (context) => {
  const { cluster } = context;
  const api = await standIn(context, { serverCa: strangerCa() });
  const before = tree(cluster.out);
  writeFileSync(cluster.file, spec(cluster.port, ['w-1', 'w-2']));
  const result = await runCli(['generate', '-f', cluster.file, '-o', cluster.out]);
  assert.is(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    /is not this cluster's API server: its certificate does not verify against the cluster's CA/,
  );
  assert.equal(api.requests, []);
  assert.equal(tree(cluster.out), before);
});

test('403 from the stand-in API server: the refusal is reported and nothing written', async (context) => {
  const { cluster } = context;
  const api = await standIn(context, { forbidAll: true });
  const before = tree(cluster.out);
  writeFileSync(cluster.file, spec(cluster.port, ['w-1', 'w-2']));
  const result = await runCli(['generate', '-f', cluster.file, '-o', cluster.out]);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, /refused to create Secret kube-system\/bootstrap-token-[a-z0-9]{6} \(403 Forbidden/);
  assert.equal(api.secrets.size, 0);
  assert.equal(tree(cluster.out), before);
});

test('cluster-info never signed for the new token: the Secret is deleted again and nothing written', async (context) => {
  const { cluster } = context;
  // The controller manager's bootstrapsigner is "off": the signature would come after 10 minutes.
  const api = await standIn(context, { signDelayMs: 600_000 });
  const before = tree(cluster.out);
  const text = spec(cluster.port, ['w-1', 'w-2']);
  writeFileSync(cluster.file, text);
  const { spec: loaded } = await loadSpec(text, cluster.file);
  const refused = await generate(loaded, {
    outDir: cluster.out,
    podNetwork: podNetworkTemplate(loaded.podNetwork),
    now: new Date(),
    signatureTimeoutMs: 3000,
  }).then(
    () => undefined,
    (error: Error) => error,
  );
  assert.ok(refused, 'generate must fail when cluster-info is never signed');
  assert.match(refused.message, /did not sign kube-public\/cluster-info for token [a-z0-9]{6} within 3 s/);
  assert.match(refused.message, /bootstrapsigner/);
  const created = api.requests.filter((line) => line === 'POST /api/v1/namespaces/kube-system/secrets');
  assert.is(created.length, 1, api.requests.join('\n'));
  assert.ok(
    api.requests.some((line) =>
      /^DELETE \/api\/v1\/namespaces\/kube-system\/secrets\/bootstrap-token-[a-z0-9]{6}$/.test(line),
    ),
    'the unsigned token is deleted again',
  );
  assert.is(api.secrets.size, 0, 'no usable token is left behind');
  assert.equal(tree(cluster.out), before);
});

test('a node added later gets a fresh token registered as kubeadm writes it, signed before the carrier is written', async (context) => {
  const { cluster } = context;
  const api = await standIn(context);
  const existing = ['cp-1', 'w-1'].map((node) => tree(join(cluster.out, 'nodes', node)));
  const initial = readFileSync(join(cluster.out, 'state/token'), 'utf8').trim();
  writeFileSync(cluster.file, spec(cluster.port, ['w-1', 'w-2']));
  const started = Date.now();
  const result = await runCli(['generate', '-f', cluster.file, '-o', cluster.out]);
  assert.is(result.code, 0, result.stderr);
  assert.equal(api.rejections, []);

  const token = bundleToken(cluster.out, 'w-2');
  assert.is.not(token, initial);
  const [id, secret] = token.split('.');
  assert.match(result.stderr, `registered bootstrap token ${id} for w-2`);
  assert.not.match(result.stdout + result.stderr, secret!, 'the token secret is never printed');
  const data = api.secretData(id!)!;
  assert.ok(data, 'the Secret exists in the stand-in');
  assert.equal(Object.keys(data).sort(), [
    'auth-extra-groups',
    'description',
    'expiration',
    'token-id',
    'token-secret',
    'usage-bootstrap-authentication',
    'usage-bootstrap-signing',
  ]);
  assert.is(data['token-secret'], secret);
  assert.is(data['auth-extra-groups'], NODE_TOKEN_GROUP);
  const expires = Date.parse(data.expiration!);
  assert.ok(expires >= started + 2 * 3600_000 - 2000 && expires <= Date.now() + 2 * 3600_000, data.expiration);

  // The signature appears 1.5 s after the Secret: kubeseed polled until it was there.
  const reads = api.requests.filter((line) => line.endsWith('/configmaps/cluster-info'));
  assert.ok(reads.length >= 2, `cluster-info read ${reads.length} time(s)`);
  assert.ok(api.clientSubjects.every((subject) => /O=kubeadm:cluster-admins/.test(subject)));

  assert.equal(
    ['cp-1', 'w-1'].map((node) => tree(join(cluster.out, 'nodes', node))),
    existing,
    "existing nodes' outputs do not change",
  );
  const record = parse(readFileSync(join(cluster.out, 'state/nodes.yaml'), 'utf8'));
  assert.equal(record.nodes['w-2'], { token, expires: data.expiration });

  // The next run renders w-2 from the record: no new token, no API call, same bytes.
  const requests = api.requests.length;
  const outputs = tree(cluster.out);
  const again = await runCli(['generate', '-f', cluster.file, '-o', cluster.out]);
  assert.is(again.code, 0, again.stderr);
  assert.is(api.requests.length, requests);
  assert.equal(tree(cluster.out), outputs);
});

test('--fresh-token gives one generated node a new token and leaves the others alone', async (context) => {
  const { cluster } = context;
  const api = await standIn(context, { signDelayMs: 0 });
  const before = bundleToken(cluster.out, 'w-2');
  const others = ['cp-1', 'w-1'].map((node) => tree(join(cluster.out, 'nodes', node)));
  const result = await runCli(['generate', '-f', cluster.file, '-o', cluster.out, '--fresh-token', 'w-2']);
  assert.is(result.code, 0, result.stderr);
  const after = bundleToken(cluster.out, 'w-2');
  assert.is.not(after, before);
  assert.ok(api.secretData(after.split('.')[0]!));
  assert.equal(
    ['cp-1', 'w-1'].map((node) => tree(join(cluster.out, 'nodes', node))),
    others,
  );
});

test('moving the init node is refused: it would run kubeadm init a second time', async (context) => {
  const { cluster } = context;
  writeFileSync(
    cluster.file,
    spec(cluster.port, ['w-1', 'w-2']).replace(
      '  - name: cp-1\n    role: control-plane\n    address: 10.0.0.11\n',
      '  - name: cp-0\n    role: control-plane\n  - name: cp-1\n    role: control-plane\n    address: 10.0.0.11\n',
    ),
  );
  const result = await runCli(['generate', '-f', cluster.file, '-o', cluster.out]);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, /cp-0 is now the first control plane and would run `kubeadm init`/);
});

test.run();
