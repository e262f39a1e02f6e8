// The day-2 settings in cluster.yaml: admin.conf's validity (checked with openssl), the
// control planes' renewal slots and etcd snapshot settings in their bundles, and the
// refusal of bad values by field.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { runCli, runCliRefused } from '../../helpers/run-cli.ts';
import { needing } from '../../helpers/tools.ts';

const SPEC = (extra: string) => `apiVersion: kubeseed.dev/v1alpha1
kind: Cluster
name: lab
kubernetesVersion: 1.34.2
controlPlaneEndpoint: 10.0.0.5:6443
networking:
  podSubnet: 10.244.0.0/16
pki:
  algorithm: ECDSA-P256
${extra}
machineImage: prepared
nodes:
  - name: cp-1
    role: control-plane
  - name: cp-2
    role: control-plane
  - name: cp-3
    role: control-plane
  - name: w-1
    role: worker
`;

const test = needing(suite<{ dir: string }>('day-two: spec settings for admin.conf and maintenance'), {
  tools: ['openssl'],
});

test.before((context) => {
  context.dir = mkdtempSync(join(tmpdir(), 'kubeseed-day-two-spec-'));
});
test.after((context) => rmSync(context.dir, { recursive: true, force: true }));

async function generate(dir: string, name: string, extra: string) {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, SPEC(extra));
  const out = join(dir, name);
  const result = await runCli(['generate', '-f', file, '-o', out]);
  assert.is(result.code, 0, result.stderr);
  const bundle = (node: string) => parse(readFileSync(join(out, 'nodes', node, 'node.yaml'), 'utf8'));
  return { out, bundle, result };
}

test("pki.adminValidity sets admin.conf's certificate lifetime; bundles carry staggered renewal slots and the snapshot settings", async ({
  dir,
}) => {
  const { out, bundle, result } = await generate(
    dir,
    'custom',
    '  adminValidity: 72h\nmaintenance:\n  etcdSnapshots: {every: 6h, keep: 3}\n',
  );
  assert.match(result.stdout, /admin\.conf is a cluster-admin credential valid for 3 days/);
  const config = parse(readFileSync(join(out, 'admin.conf'), 'utf8'));
  const cert = Buffer.from(config.users[0].user['client-certificate-data'], 'base64').toString();
  const end = /notAfter=(.*)/.exec(
    execFileSync('openssl', ['x509', '-noout', '-enddate', '-dateopt', 'iso_8601'], { input: cert, encoding: 'utf8' }),
  )![1]!;
  const hours = (Date.parse(end.replace(' ', 'T')) - Date.now()) / 3600_000;
  assert.ok(hours > 71 && hours <= 72, `admin.conf valid for ${hours} h`);
  assert.equal(
    ['cp-1', 'cp-2', 'cp-3'].map((node) => bundle(node).maintenance),
    [0, 1, 2].map((renewalSlot) => ({ renewalSlot, etcdSnapshots: { everyHours: 6, keep: 3 } })),
  );
  assert.is(bundle('w-1').maintenance, undefined);
});

test('etcd snapshots off: control planes get the renewal slot only', async ({ dir }) => {
  const { bundle } = await generate(dir, 'off', 'maintenance:\n  etcdSnapshots:\n    enabled: false\n');
  assert.equal(bundle('cp-2').maintenance, { renewalSlot: 1 });
});

test('bad maintenance and adminValidity values are refused by field', async ({ dir }) => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, SPEC('maintenance:\n  etcdSnapshots: {every: 90m, keep: 0}\n'));
  const result = await runCliRefused(
    ['generate', '-f', file, '-o', join(dir, 'bad')],
    1,
    /maintenance\.etcdSnapshots\.every/,
  );
  assert.match(result.stderr, /maintenance\.etcdSnapshots\.keep/);
  writeFileSync(file, SPEC('  caValidity: 1y\n  adminValidity: 2y\n'));
  await runCliRefused(['validate', '-f', file], 1, /pki\.adminValidity: is longer than caValidity/);
});

test.run();
