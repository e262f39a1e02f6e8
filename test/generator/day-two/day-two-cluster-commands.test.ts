// kubeseed's day-2 commands against stand-in Kubernetes API and etcd servers (TLS from the
// cluster's CAs, client certificates required): token list/create/delete, short-lived
// kubeconfigs checked with real openssl, remove-node, and generate's expiry warnings.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { KubeseedError } from '../../../core/errors.ts';
import { signClusterInfo, verifyClusterInfoSignature } from '../../../generator/cluster-api/cluster-info-signature.ts';
import { connectToCluster } from '../../../generator/cluster-api/connect.ts';
import { removeNode } from '../../../generator/day-two/remove-node.ts';
import { loadSpec } from '../../../generator/spec/load.ts';
import { loadExistingState } from '../../../generator/state/store.ts';
import { EtcdStandIn } from '../../helpers/etcd-stand-in.ts';
import { KubeApiStandIn, type StandInPod } from '../../helpers/kube-api-stand-in.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { needing } from '../../helpers/tools.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function specText(port: number): string {
  return `apiVersion: kubeseed.dev/v1alpha1
kind: Cluster
name: lab
kubernetesVersion: 1.34.2
controlPlaneEndpoint: 127.0.0.1:${port}
networking:
  podSubnet: 10.244.0.0/16
pki:
  algorithm: RSA-2048
tokens:
  ttl: 2h
machineImage: prepared
nodes:
  - name: cp-1
    role: control-plane
    address: 10.0.0.11
  - name: cp-2
    role: control-plane
    address: 10.0.0.12
  - name: w-1
    role: worker
`;
}

function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, { encoding: 'utf8', ...(input === undefined ? {} : { input }) });
}

interface Context {
  dir: string;
  out: string;
  file: string;
  port: number;
  ca: { cert: string; key: string };
  etcdCa: { cert: string; key: string };
  apis: Array<{ close(): Promise<void> }>;
}

const test = needing(suite<Context>('day-two: token, kubeconfig and remove-node (stand-in API and etcd servers)'), {
  tools: ['openssl'],
});

test.before(async (context) => {
  context.dir = mkdtempSync(join(tmpdir(), 'kubeseed-day-two-commands-'));
  context.port = await freePort();
  context.file = join(context.dir, 'cluster.yaml');
  writeFileSync(context.file, specText(context.port));
  context.out = join(context.dir, 'out');
  const result = await runCli(['generate', '-f', context.file, '-o', context.out]);
  assert.is(result.code, 0, result.stderr);
  const read = (path: string) => readFileSync(join(context.out, 'state', path), 'utf8');
  context.ca = { cert: read('pki/ca.crt'), key: read('pki/ca.key') };
  context.etcdCa = { cert: read('pki/etcd/ca.crt'), key: read('pki/etcd/ca.key') };
  context.apis = [];
});

test.after.each(async (context) => {
  for (const api of context.apis.splice(0)) await api.close();
});

test.after((context) => rmSync(context.dir, { recursive: true, force: true }));

async function apiStandIn(context: Context, options: Partial<ConstructorParameters<typeof KubeApiStandIn>[0]> = {}) {
  const api = new KubeApiStandIn({ serverCa: context.ca, clientCa: context.ca.cert, signDelayMs: 300, ...options });
  await api.start(context.port);
  context.apis.push(api);
  return api;
}

test("cluster-info signatures match upstream's detached-JWS test vectors", () => {
  const content = 'Hello from the other side. I must have called a thousand times.';
  // k8s.io/cluster-bootstrap/token/jws/jws_test.go (secret long enough for go-jose's 32-byte minimum).
  const token = { id: 'joshua', secret: 'my voice is my passcode. my voice is my passcode' };
  const expected = 'eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..SFoKn0-YxqnvpSExt4LuCZ_7pvIBdX3SoUO_NsTpkdg';
  assert.is(signClusterInfo(content, token), expected);
  assert.ok(verifyClusterInfoSignature(content, expected, token));
  assert.is(
    signClusterInfo('', token),
    'eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..kzZha466Sbz_vFhUBjjYp2rl3F7yHgdDdUIBGxQg4js',
  );
  // The older vector, with a secret shorter than a SHA-256 block: HMAC zero-pads either way.
  assert.is(
    signClusterInfo(content, { id: 'joshua', secret: 'my voice is my passcode' }),
    'eyJhbGciOiJIUzI1NiIsImtpZCI6Impvc2h1YSJ9..VShe2taLd-YTrmWuRkcL_8QTNDHYxQIEBsAYYiIj1_8',
  );
  assert.not.ok(verifyClusterInfoSignature(`${content}!`, expected, token));
  assert.not.ok(verifyClusterInfoSignature(content, expected, { id: 'joshua', secret: 'another secret' }));
});

test('kubeconfig: a short-lived client certificate from the cluster CA, checked with openssl', async (context) => {
  const result = await runCli([
    'kubeconfig',
    '-f',
    context.file,
    '-o',
    context.out,
    '--ttl',
    '2h',
    '--user',
    'alice',
    '--group',
    'devs',
    '--group',
    'ops',
  ]);
  assert.is(result.code, 0, result.stderr);
  const config = parse(result.stdout);
  assert.is(config.clusters[0].cluster.server, `https://127.0.0.1:${context.port}`);
  assert.is(config['current-context'], 'alice@lab');
  const cert = Buffer.from(config.users[0].user['client-certificate-data'], 'base64').toString('utf8');
  const key = Buffer.from(config.users[0].user['client-key-data'], 'base64').toString('utf8');
  const caFile = join(context.out, 'state/pki/ca.crt');
  const certFile = join(context.dir, 'alice.crt');
  writeFileSync(certFile, cert);
  assert.match(openssl(['verify', '-CAfile', caFile, certFile]), /: OK/);
  const subject = openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], cert).trim();
  // Both groups in one multi-valued RDN, as Go's pkix.Name writes Organization, in DER's
  // order for a SET (by encoding: "ops" is shorter); RFC 2253 prints an RDN's values backwards.
  assert.is(subject, 'subject=CN=alice,O=devs+O=ops');
  const dates = openssl(['x509', '-noout', '-startdate', '-enddate', '-dateopt', 'iso_8601'], cert);
  const notAfter = Date.parse(/notAfter=(.*)/.exec(dates)![1]!.replace(' ', 'T'));
  const hours = (notAfter - Date.now()) / 3600_000;
  assert.ok(hours > 1.95 && hours <= 2, `valid for ${hours} h`);
  assert.match(openssl(['x509', '-noout', '-ext', 'extendedKeyUsage'], cert), /TLS Web Client Authentication/);
  // The key belongs to the certificate.
  const modulus = (args: string[], input: string) => openssl(args, input).trim();
  assert.is(modulus(['pkey', '-pubout'], key), modulus(['x509', '-noout', '-pubkey'], cert));

  // Default: kubernetes-admin in kubeadm:cluster-admins, 8 h; --write makes a 0600 file.
  const written = join(context.dir, 'admin-8h.conf');
  const admin = await runCli(['kubeconfig', '-f', context.file, '-o', context.out, '--write', written]);
  assert.is(admin.code, 0, admin.stderr);
  assert.is(admin.stdout, '');
  assert.is(statSync(written).mode & 0o777, 0o600);
  const adminCert = Buffer.from(
    parse(readFileSync(written, 'utf8')).users[0].user['client-certificate-data'],
    'base64',
  ).toString();
  assert.is(
    openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], adminCert).trim(),
    'subject=CN=kubernetes-admin,O=kubeadm:cluster-admins',
  );
  const adminEnd = Date.parse(
    /notAfter=(.*)/
      .exec(openssl(['x509', '-noout', '-enddate', '-dateopt', 'iso_8601'], adminCert))![1]!
      .replace(' ', 'T'),
  );
  assert.ok(Math.abs(adminEnd - Date.now() - 8 * 3600_000) < 120_000);

  const tooLong = await runCli(['kubeconfig', '-f', context.file, '-o', context.out, '--ttl', '20y']);
  assert.is(tooLong.code, 2);
  assert.match(tooLong.stderr, /--ttl reaches past the cluster CA's end/);
});

test('token create, list and delete through the stand-in API server; list never shows a secret', async (context) => {
  const api = await apiStandIn(context);
  const created = await runCli(['token', 'create', '-f', context.file, '-o', context.out, '--ttl', '1h']);
  assert.is(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  assert.match(token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  const [id, secret] = token.split('.') as [string, string];
  assert.is(api.secretData(id)?.['token-secret'], secret);
  assert.equal(api.rejections, []);
  assert.match(created.stderr, /--discovery-token-ca-cert-hash sha256:[0-9a-f]{64}/);

  const listed = await runCli(['token', 'list', '-f', context.file, '-o', context.out]);
  assert.is(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^TOKEN ID\s+TTL\s+EXPIRES/);
  assert.match(
    listed.stdout,
    new RegExp(
      `^${id}\\s+(59m|1h)\\s+\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\s+authentication,signing\\s+kubeseed: token create\\s+system:bootstrappers:kubeadm:default-node-token$`,
      'm',
    ),
  );
  assert.not.match(listed.stdout, secret);

  const deleted = await runCli(['token', 'delete', id, '-f', context.file, '-o', context.out]);
  assert.is(deleted.code, 0, deleted.stderr);
  assert.is(api.secretData(id), undefined);
  const again = await runCli(['token', 'delete', id, '-f', context.file, '-o', context.out]);
  assert.is(again.code, 1);
  assert.match(again.stderr, `no bootstrap token with id ${id}`);
});

test('generate warns when the initial token has expired and a node has not joined', async (context) => {
  const api = await apiStandIn(context, {
    nodes: [
      { name: 'cp-1', address: '10.0.0.11', controlPlane: true },
      { name: 'cp-2', address: '10.0.0.12', controlPlane: true },
    ],
  });
  // The initial token's clock started at kubeadm init: make the state 3 h old (ttl 2h) and
  // let the stand-in hold the initial token, expired.
  const metadataPath = join(context.out, 'state/cluster.yaml');
  const metadata = readFileSync(metadataPath, 'utf8');
  const created = new Date(Date.now() - 3 * 3600_000).toISOString();
  writeFileSync(metadataPath, metadata.replace(/createdAt: .*/, `createdAt: ${created}`));
  const [id, secret] = readFileSync(join(context.out, 'state/token'), 'utf8').trim().split('.') as [string, string];
  api.addToken(id, secret, new Date(Date.now() - 3600_000).toISOString().replace(/\.\d+Z$/, 'Z'));
  const result = await runCli(['generate', '-f', context.file, '-o', context.out]);
  assert.is(result.code, 0, result.stderr);
  assert.match(
    result.stderr,
    /warning: the bootstrap token of w-1 has expired and it has not joined the cluster; give it a fresh one: run `kubeseed generate` again with --fresh-token w-1/,
  );
  assert.not.match(result.stderr, /cp-2/);

  // Once w-1 is a Node, nothing is stranded.
  api.nodes.set('w-1', { name: 'w-1', address: '10.0.0.21', unschedulable: false });
  const quiet = await runCli(['generate', '-f', context.file, '-o', context.out]);
  assert.is(quiet.code, 0, quiet.stderr);
  assert.not.match(quiet.stderr, /warning/);
  writeFileSync(metadataPath, metadata);
});

async function removeSetup(context: Context, pods: StandInPod[], members = 2, controlPlanes = ['cp-1', 'cp-2']) {
  const etcd = new EtcdStandIn(
    context.etcdCa,
    [
      { id: '10501334649042878790', name: 'cp-1', peerUrl: 'https://10.0.0.11:2380' },
      { id: '18249187646912138824', name: 'cp-2', peerUrl: 'https://10.0.0.12:2380' },
    ].slice(2 - members),
  );
  await etcd.start();
  context.apis.push(etcd);
  const api = await apiStandIn(context, {
    nodes: [
      // cp-1's etcd is the stand-in on 127.0.0.1.
      { name: 'cp-1', address: '127.0.0.1', controlPlane: controlPlanes.includes('cp-1') },
      { name: 'cp-2', address: '10.0.0.12', controlPlane: controlPlanes.includes('cp-2') },
      { name: 'w-1', address: '10.0.0.21' },
    ],
    pods,
    podTerminationMs: 200,
  });
  const { spec } = await loadSpec(readFileSync(context.file, 'utf8'));
  const state = await loadExistingState(join(context.out, 'state'), spec);
  const client = await connectToCluster(spec, state, new Date());
  const log: string[] = [];
  const run = (timeoutMs = 20_000) =>
    removeNode({
      api: client,
      state,
      node: 'cp-2',
      now: new Date(),
      etcdPort: etcd.port,
      clock: {
        timeoutMs,
        pollMs: 50,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        now: () => Date.now(),
        log: (m) => log.push(m),
      },
    });
  return { etcd, api, run, log };
}

const CP2_PODS: StandInPod[] = [
  { namespace: 'kube-system', name: 'kube-apiserver-cp-2', node: 'cp-2', mirror: true },
  { namespace: 'kube-flannel', name: 'kube-flannel-ds-x', node: 'cp-2', ownerKind: 'DaemonSet' },
  { namespace: 'default', name: 'web-7d9-abc', node: 'cp-2', ownerKind: 'ReplicaSet', pdbRefusals: 3 },
  { namespace: 'default', name: 'batch-done', node: 'cp-2', ownerKind: 'Job', phase: 'Succeeded' },
  { namespace: 'default', name: 'web-7d9-def', node: 'w-1', ownerKind: 'ReplicaSet' },
];

test('remove-node: cordon, PDB-respecting drain, etcd member removed through etcd, Node deleted', async (context) => {
  const { etcd, api, run, log } = await removeSetup(
    context,
    CP2_PODS.map((pod) => ({ ...pod })),
  );
  await run();
  assert.equal(api.rejections, []);
  assert.not.ok(api.nodes.has('cp-2'));
  assert.ok(api.requests.includes('PATCH /api/v1/nodes/cp-2'), 'cordoned');
  const evictions = api.requests.filter((line) => line.endsWith('/eviction'));
  assert.equal(
    evictions,
    Array(4).fill('POST /api/v1/namespaces/default/pods/web-7d9-abc/eviction'),
    '3 × 429, then allowed',
  );
  assert.equal(
    etcd.members.map((member) => member.name),
    ['cp-1'],
  );
  assert.ok(api.pods.has('kube-system/kube-apiserver-cp-2') && api.pods.has('kube-flannel/kube-flannel-ds-x'));
  assert.ok(api.pods.has('default/web-7d9-def'), "another node's pod is untouched");
  assert.ok(
    log.some((line) => /evicted default\/web-7d9-abc/.test(line)),
    log.join('\n'),
  );
  // The Node is deleted only after the member is gone.
  const order = [...etcd.requests.map((line) => `etcd ${line}`), ...api.requests];
  assert.ok(
    order.some((line) => line.startsWith('etcd POST /v3/cluster/member/remove {"ID":"18249187646912138824"}')),
    order.join('\n'),
  );
});

test('remove-node: a PodDisruptionBudget that never allows the eviction times out; nothing is deleted', async (context) => {
  const pods = CP2_PODS.map((pod) => ({ ...pod, ...(pod.pdbRefusals ? { pdbRefusals: 1_000_000 } : {}) }));
  const { etcd, api, run } = await removeSetup(context, pods);
  try {
    await run(600);
    assert.unreachable('the drain should time out');
  } catch (error) {
    assert.instance(error, KubeseedError);
    assert.match(
      (error as Error).message,
      /draining cp-2 did not finish within 1 s: default\/web-7d9-abc \(a PodDisruptionBudget does not allow evicting it now\); cp-2 stays cordoned/,
    );
  }
  assert.ok(api.nodes.has('cp-2'));
  assert.is(api.nodes.get('cp-2')!.unschedulable, true);
  assert.is(etcd.members.length, 2);
});

test('remove-node refuses the last control plane and the last etcd member before changing anything', async (context) => {
  const lastCp = await removeSetup(context, [], 2, ['cp-2']);
  try {
    await lastCp.run();
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, /cp-2 is the last control plane/);
  }
  assert.ok(
    lastCp.api.requests.every((line) => line.startsWith('GET ')),
    lastCp.api.requests.join('\n'),
  );
  for (const server of context.apis.splice(0)) await server.close();

  const lastMember = await removeSetup(context, [], 1);
  try {
    await lastMember.run();
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, /cp-2 holds the last etcd member/);
  }
  assert.ok(lastMember.api.requests.every((line) => line.startsWith('GET ')));
  assert.is(lastMember.etcd.members.length, 1);
});

test('a Node that does not exist is reported by name', async (context) => {
  await apiStandIn(context, { nodes: [] });
  const result = await runCli(['remove-node', 'ghost', '-f', context.file, '-o', context.out]);
  assert.is(result.code, 1);
  assert.match(result.stderr, /the cluster has no Node ghost/);
});

test.run();
