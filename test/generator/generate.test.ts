import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, parseAllDocuments } from 'yaml';
import { BUNDLE_PATH, parseBundle, sharedPkiFiles } from '../../core/node-bundle.ts';
import { checkDocument } from '../../generator/kubeadm/documents.ts';
import { cloudInitSchema, decodeUserData, writtenFiles } from '../helpers/cloud-init.ts';
import { runCli } from '../helpers/run-cli.ts';
import { needing } from '../helpers/tools.ts';

const SPEC = `apiVersion: kubeseed.dev/v1alpha1
kind: Cluster
name: lab
kubernetesVersion: 1.34.2
controlPlaneEndpoint: 10.0.0.5:6443
networking:
  podSubnet: 10.244.0.0/16
pki:
  algorithm: ECDSA-P256
nodes:
  - name: cp-1
    role: control-plane
    address: 10.0.0.11
    sshAuthorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJx0 ops@example"]
  - name: cp-2
    role: control-plane
    address: 10.0.0.12
  - name: w-1
    role: worker
    address: 10.0.0.21
  - name: w-2
    role: worker
    arch: arm64
machineImage: prepared
`;

const PRIVATE_KEY = /PRIVATE KEY/;

function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-generate-'));
  writeFileSync(join(dir, 'cluster.yaml'), SPEC);
  return dir;
}

function treeOf(dir: string, prefix = ''): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const path = join(prefix, entry.name);
    if (entry.isDirectory()) for (const [key, value] of treeOf(dir, path)) files.set(key, value);
    else files.set(path, readFileSync(join(dir, path)));
  }
  return files;
}

const generateSuite = suite('kubeseed generate: outputs checked by real consumers');
const withCloudInit = needing(generateSuite, { tools: ['cloud-init'] });
let dir = '';
let firstRun = new Map<string, Buffer>();

generateSuite.before(async () => {
  dir = workspace();
  const result = await runCli(['generate', '-f', join(dir, 'cluster.yaml'), '-o', join(dir, 'out')]);
  assert.is(result.code, 0, result.stderr);
  firstRun = treeOf(join(dir, 'out'));
});
generateSuite.after(() => rmSync(dir, { recursive: true, force: true }));

generateSuite('writes state, admin.conf, nodes.json and a bundle + user-data per node', () => {
  const names = [...firstRun.keys()].sort();
  for (const node of ['cp-1', 'cp-2', 'w-1', 'w-2']) {
    assert.ok(names.includes(`nodes/${node}/node.yaml`), node);
    assert.ok(names.includes(`nodes/${node}/user-data`), node);
  }
  assert.ok(names.includes('admin.conf'));
  assert.ok(names.includes('nodes.json'));
  assert.ok(names.includes('state/pki/ca.key'));
});

generateSuite('secret files are 0600 and directories 0700', () => {
  const out = join(dir, 'out');
  for (const path of firstRun.keys()) {
    const mode = statSync(join(out, path)).mode & 0o777;
    assert.is(mode, path === 'nodes.json' ? 0o644 : 0o600, path);
  }
  for (const path of ['.', 'nodes', 'nodes/w-1', 'state', 'state/pki']) {
    assert.is(statSync(join(out, path)).mode & 0o777, 0o700, path);
  }
});

withCloudInit('cloud-init schema accepts every user-data, whose bundle parses and equals node.yaml', () => {
  const out = join(dir, 'out');
  for (const node of ['cp-1', 'cp-2', 'w-1', 'w-2']) {
    const text = decodeUserData(firstRun.get(`nodes/${node}/user-data`)!);
    assert.ok(text.startsWith('#cloud-config\n'));
    cloudInitSchema(text);
    const [bundleFile, ...others] = writtenFiles(text);
    assert.is(others.length, 0);
    assert.is(bundleFile!.path, BUNDLE_PATH);
    assert.is(bundleFile!.permissions, '0600');
    assert.is(bundleFile!.content, readFileSync(join(out, `nodes/${node}/node.yaml`), 'utf8'));
    const bundle = parseBundle(bundleFile!.content);
    assert.is(bundle.node.name, node);
    const config = parse(text) as { hostname: string; runcmd: string[][] };
    assert.is(config.hostname, node);
    assert.equal(config.runcmd, [['systemctl', 'start', '--no-block', 'kubeseed-boot.service']]);
  }
});

generateSuite(
  'roles: cp-1 initialises with the token, cp-2 joins as control plane, workers join with the CA hash',
  () => {
    const bundles = Object.fromEntries(
      ['cp-1', 'cp-2', 'w-1', 'w-2'].map((node) => [
        node,
        parseBundle(firstRun.get(`nodes/${node}/node.yaml`)!.toString()),
      ]),
    );
    assert.equal(
      Object.values(bundles).map((bundle) => bundle.node.role),
      ['init', 'control-plane', 'worker', 'worker'],
    );
    assert.match(bundles['cp-1']!.kubeadm.config, /kind: InitConfiguration/);
    assert.match(bundles['cp-2']!.kubeadm.config, /controlPlane:/);
    for (const worker of ['w-1', 'w-2']) {
      assert.ok(bundles[worker]!.kubeadm.config.includes(bundles[worker]!.cluster.caCertHash));
      assert.not.match(bundles[worker]!.kubeadm.config, /unsafeSkipCAVerification/);
    }
    assert.is(bundles['cp-1']!.pki.length, 6);
    // The agent derives ca.crt and sa.pub: the eight files it writes equal the state's, byte for byte.
    for (const file of sharedPkiFiles(bundles['cp-2']!)) {
      assert.is(file.content, readFileSync(join(dir, 'out/state/pki', file.path), 'utf8'), file.path);
    }
    assert.is(bundles['w-1']!.pki.length, 0);
    assert.is(bundles['w-2']!.node.arch, 'arm64');
    assert.is(bundles['cp-1']!.addons[0]!.name, 'flannel');
    assert.equal(bundles['cp-1']!.addons[0]!.parameters, { POD_SUBNET: '10.244.0.0/16' });
    assert.is(bundles['cp-1']!.addons[0]!.manifest, undefined, 'images baked with install-agent carry the template');
  },
);

generateSuite('no worker output contains a private key, after decoding every layer', () => {
  for (const worker of ['w-1', 'w-2']) {
    const userData = decodeUserData(firstRun.get(`nodes/${worker}/user-data`)!);
    assert.not.match(userData, PRIVATE_KEY);
    for (const file of writtenFiles(userData)) assert.not.match(file.content, PRIVATE_KEY);
    assert.not.match(firstRun.get(`nodes/${worker}/node.yaml`)!.toString(), PRIVATE_KEY);
  }
  assert.match(firstRun.get('nodes/cp-2/node.yaml')!.toString(), PRIVATE_KEY);
});

generateSuite('nodes.json lists every carrier file with sizes and platform fits', () => {
  const report = JSON.parse(firstRun.get('nodes.json')!.toString()) as {
    nodes: Record<
      string,
      {
        role: string;
        files: Record<string, string>;
        userData: { bytes: number; gzipBytes?: number };
        platforms: Array<{ platform: string; fits: string }>;
      }
    >;
  };
  assert.equal(Object.keys(report.nodes), ['cp-1', 'cp-2', 'w-1', 'w-2']);
  const worker = report.nodes['w-1']!;
  assert.is(worker.files.userData, 'nodes/w-1/user-data');
  assert.is(worker.userData.bytes, firstRun.get('nodes/w-1/user-data')!.length);
  // Plain user-data that fits every platform: its gzip size decides nothing, so it is not measured.
  assert.is(worker.userData.gzipBytes, undefined);
  assert.equal(
    worker.platforms.map((fit) => fit.platform),
    ['aws', 'hetzner', 'oracle', 'azure', 'openstack', 'gcp'],
  );
  assert.is(worker.platforms[0]!.fits, 'plain');
});

generateSuite('a second run reuses the state: CAs byte-identical, every output byte-identical', async () => {
  const result = await runCli(['generate', '-f', join(dir, 'cluster.yaml'), '-o', join(dir, 'out')]);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /State reused/);
  const secondRun = treeOf(join(dir, 'out'));
  assert.equal([...secondRun.keys()].sort(), [...firstRun.keys()].sort());
  for (const [path, content] of firstRun) assert.ok(content.equals(secondRun.get(path)!), `${path} changed`);
});

generateSuite('the same spec and state in another output directory give byte-identical outputs', async () => {
  const other = join(dir, 'other');
  const result = await runCli([
    'generate',
    '-f',
    join(dir, 'cluster.yaml'),
    '-o',
    other,
    '--state',
    join(dir, 'out', 'state'),
  ]);
  assert.is(result.code, 0, result.stderr);
  const otherRun = treeOf(other);
  const outputs = [...firstRun.keys()].filter((path) => !path.startsWith('state/')).sort();
  assert.equal([...otherRun.keys()].sort(), outputs);
  for (const [path, content] of otherRun) assert.ok(content.equals(firstRun.get(path)!), `${path} differs`);
});

generateSuite('the summary prints the next steps without any secret', async () => {
  const result = await runCli(['generate', '-f', join(dir, 'cluster.yaml'), '-o', join(dir, 'out')]);
  const token = readFileSync(join(dir, 'out/state/token'), 'utf8').trim();
  assert.match(result.stdout, /Next steps:/);
  assert.match(result.stdout, /export KUBECONFIG=/);
  assert.not.ok(result.stdout.includes(token.split('.')[1]!));
  assert.not.match(result.stdout + result.stderr, PRIVATE_KEY);
});

generateSuite.run();

const airGapSuite = suite('kubeseed generate: air-gapped sites');

airGapSuite('imageRepository, registry mirrors and image archives reach every bundle', async () => {
  const work = workspace();
  try {
    const sha256 = 'ab'.repeat(32);
    writeFileSync(
      join(work, 'cluster.yaml'),
      SPEC.replace(
        'nodes:\n',
        [
          'imageRepository: registry.local:5000/k8s',
          'registries:',
          '  - host: ghcr.io',
          '    mirrors: [https://registry.local:5000]',
          `imageArchives: [{path: /var/lib/kubeseed/images/images.tar, sha256: ${sha256}}]`,
          'nodes:',
          '',
        ].join('\n'),
      ),
    );
    const result = await runCli(['generate', '-f', join(work, 'cluster.yaml'), '-o', join(work, 'out')]);
    assert.is(result.code, 0, result.stderr);
    for (const node of ['cp-1', 'w-1']) {
      const bundle = parseBundle(readFileSync(join(work, `out/nodes/${node}/node.yaml`), 'utf8'));
      assert.is(bundle.runtime.sandboxImage, 'registry.local:5000/k8s/pause:3.10.1');
      assert.equal(bundle.runtime.registryMirrors, [{ host: 'ghcr.io', mirrors: ['https://registry.local:5000'] }]);
      assert.equal(bundle.images.archives, [{ path: '/var/lib/kubeseed/images/images.tar', sha256 }]);
      assert.equal(bundle.images.required, [
        'ghcr.io/flannel-io/flannel:v0.28.9',
        'ghcr.io/flannel-io/flannel-cni-plugin:v1.9.1-flannel2',
      ]);
    }
    const init = parseBundle(readFileSync(join(work, 'out/nodes/cp-1/node.yaml'), 'utf8'));
    const cluster = parseAllDocuments(init.kubeadm.config)
      .map((document) => document.toJS())
      .find((document) => document.kind === 'ClusterConfiguration');
    assert.is(cluster.imageRepository, 'registry.local:5000/k8s');
    assert.equal(checkDocument(cluster, '1.34'), []);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

airGapSuite.run();

const ignitionSuite = suite('kubeseed generate: an Ignition init node');

ignitionSuite(
  'gets config.ign, and the pod network inline: Flatcar and Fedora CoreOS images do not carry the templates',
  async () => {
    const work = workspace();
    try {
      const agent = `agent:\n  amd64: {url: "https://files.example.com/kubeseed-boot", sha512: "${'a'.repeat(128)}"}\n`;
      writeFileSync(
        join(work, 'cluster.yaml'),
        SPEC.replace('nodes:\n', `${agent}nodes:\n`).replace(
          '    address: 10.0.0.11\n',
          '    address: 10.0.0.11\n    carrier: ignition\n',
        ),
      );
      const result = await runCli(['generate', '-f', join(work, 'cluster.yaml'), '-o', join(work, 'out')]);
      assert.is(result.code, 0, result.stderr);
      const report = JSON.parse(readFileSync(join(work, 'out/nodes.json'), 'utf8')) as {
        nodes: Record<string, { files: { userData: string } }>;
      };
      assert.is(report.nodes['cp-1']!.files.userData, 'nodes/cp-1/config.ign');
      const addon = parseBundle(readFileSync(join(work, 'out/nodes/cp-1/node.yaml'), 'utf8')).addons[0]!;
      assert.is(
        addon.manifest,
        readFileSync(new URL(`../../templates/flannel/${addon.version}/manifest.yaml`, import.meta.url), 'utf8'),
      );
      assert.is(createHash('sha256').update(addon.manifest!).digest('hex'), addon.sha256);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
);

ignitionSuite.run();

const platformSuite = suite('kubeseed generate --platform: size budgets');
const platformWithCloudInit = needing(platformSuite, { tools: ['cloud-init'] });

platformWithCloudInit(
  '--platform aws writes gzip user-data for a control plane only when that makes it fit',
  async () => {
    const work = workspace();
    try {
      const result = await runCli([
        'generate',
        '-f',
        join(work, 'cluster.yaml'),
        '-o',
        join(work, 'out'),
        '--platform',
        'aws',
      ]);
      assert.is(result.code, 0, result.stderr);
      const report = JSON.parse(readFileSync(join(work, 'out/nodes.json'), 'utf8')) as {
        nodes: Record<string, { userData: { bytes: number; encoding: string } }>;
      };
      for (const [name, node] of Object.entries(report.nodes)) {
        const data = readFileSync(join(work, `out/nodes/${name}/user-data`));
        const gzipped = data[0] === 0x1f && data[1] === 0x8b;
        assert.is(gzipped, node.userData.encoding === 'gzip', name);
        assert.is(gzipped, node.userData.bytes > 16384, name);
        assert.ok(data.length <= 16384, name);
        cloudInitSchema(decodeUserData(data));
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
);

function specWithSshKeys(count: number): string {
  // Random RSA-sized keys do not compress: they make user-data large the way real fleets of admin keys do.
  const keys = Array.from(
    { length: count },
    (_, i) => `"ssh-rsa ${randomBytes(535).toString('base64')} admin${i}@example"`,
  );
  return SPEC.replace(
    'sshAuthorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJx0 ops@example"]',
    `sshAuthorizedKeys: [${keys.join(', ')}]`,
  );
}

platformWithCloudInit('--platform aws gzips user-data that is over 16384 bytes raw but fits gzipped', async () => {
  const work = workspace();
  try {
    writeFileSync(join(work, 'cluster.yaml'), specWithSshKeys(20));
    const result = await runCli([
      'generate',
      '-f',
      join(work, 'cluster.yaml'),
      '-o',
      join(work, 'out'),
      '--platform',
      'aws',
    ]);
    assert.is(result.code, 0, result.stderr);
    const data = readFileSync(join(work, 'out/nodes/cp-1/user-data'));
    assert.equal([...data.subarray(0, 2)], [0x1f, 0x8b]);
    assert.ok(data.length <= 16384);
    const text = decodeUserData(data);
    assert.ok(Buffer.byteLength(text) > 16384);
    cloudInitSchema(text);
    assert.match(result.stdout, /\(written gzipped\)/);
    const report = JSON.parse(readFileSync(join(work, 'out/nodes.json'), 'utf8')) as {
      nodes: Record<string, { userData: { bytes: number; gzipBytes?: number } }>;
    };
    assert.equal(report.nodes['cp-1']!.userData, {
      bytes: Buffer.byteLength(text),
      gzipBytes: data.length,
      encoding: 'gzip',
    });
    assert.match(result.stdout, /GZIP/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

platformSuite(
  '--platform aws fails with a size report when even gzip does not fit, writing nothing at all',
  async () => {
    const work = workspace();
    try {
      writeFileSync(join(work, 'cluster.yaml'), specWithSshKeys(40));
      const result = await runCli([
        'generate',
        '-f',
        join(work, 'cluster.yaml'),
        '-o',
        join(work, 'out'),
        '--platform',
        'aws',
      ]);
      assert.is(result.code, 1);
      assert.match(
        result.stderr,
        /^error: user-data does not fit AWS EC2 for 1 node\(s\)\n {2}nodes\.cp-1: user-data is \d+ bytes \(\d+ gzipped\); AWS EC2 allows 16384 bytes raw\n$/,
      );
      assert.equal(readdirSync(work), ['cluster.yaml'], 'no out/, so no CA or key files in out/state/ either');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
);

platformSuite('a run that does not fit leaves an existing state and outputs exactly as they were', async () => {
  const work = workspace();
  try {
    const first = await runCli(['generate', '-f', join(work, 'cluster.yaml'), '-o', join(work, 'out')]);
    assert.is(first.code, 0, first.stderr);
    const before = treeOf(join(work, 'out'));
    writeFileSync(join(work, 'cluster.yaml'), specWithSshKeys(40));
    const result = await runCli([
      'generate',
      '-f',
      join(work, 'cluster.yaml'),
      '-o',
      join(work, 'out'),
      '--platform',
      'aws',
    ]);
    assert.is(result.code, 1);
    const after = treeOf(join(work, 'out'));
    assert.equal([...after.keys()].sort(), [...before.keys()].sort());
    for (const [path, content] of before) assert.ok(content.equals(after.get(path)!), `${path} changed`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

platformSuite('an unknown platform is a usage error (exit 2)', async () => {
  const work = workspace();
  try {
    const result = await runCli([
      'generate',
      '-f',
      join(work, 'cluster.yaml'),
      '-o',
      join(work, 'out'),
      '--platform',
      'moon',
    ]);
    assert.is(result.code, 2);
    assert.match(result.stderr, /^error: --platform moon is unknown; expected one of: aws, hetzner/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

platformSuite.run();

const cliSuite = suite('kubeseed CLI: exit codes and messages');

cliSuite('init prints an example that validate accepts', async () => {
  const work = mkdtempSync(join(tmpdir(), 'kubeseed-init-'));
  try {
    const init = await runCli(['init']);
    assert.is(init.code, 0);
    writeFileSync(join(work, 'cluster.yaml'), init.stdout);
    const validate = await runCli(['validate', '-f', join(work, 'cluster.yaml')]);
    assert.is(validate.code, 0, validate.stderr);
    assert.match(validate.stdout, /valid \(cluster "homelab", 3 nodes\)/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

cliSuite(
  'an invalid spec exits 1 with every problem as file:line:col: path, no stack trace; nothing is written',
  async () => {
    const work = workspace();
    try {
      writeFileSync(
        join(work, 'cluster.yaml'),
        SPEC.replace('name: lab', 'name: Lab').replace('role: worker', 'role: boss'),
      );
      const result = await runCli(['generate', '-f', join(work, 'cluster.yaml'), '-o', join(work, 'out')]);
      assert.is(result.code, 1);
      const file = join(work, 'cluster.yaml');
      const lines = result.stderr.split('\n');
      assert.is(lines[0], `error: ${file}: the cluster spec has 2 problems`);
      // Each problem starts its line with file:line:col, the form editors jump to.
      assert.ok(lines[1]?.startsWith(`${file}:3:7: name: "Lab" is not valid`), result.stderr);
      assert.ok(lines[2]?.startsWith(`${file}:19:11: nodes[2].role: "boss" is not supported`), result.stderr);
      assert.not.match(result.stderr, / {4}at /);
      assert.not.ok(readdirSync(work).includes('out'));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
);

cliSuite('a missing file exits 1 with its name', async () => {
  const result = await runCli(['validate', '-f', 'no-such-cluster.yaml']);
  assert.is(result.code, 1);
  assert.is(result.stderr, 'error: cannot read no-such-cluster.yaml: no such file\n');
});

cliSuite.run();

const rsaSuite = suite('kubeseed generate: RSA-2048 keys travel as their primes');
let rsaDir = '';

rsaSuite.before(async () => {
  rsaDir = workspace();
  writeFileSync(join(rsaDir, 'cluster.yaml'), SPEC.replace('algorithm: ECDSA-P256', 'algorithm: RSA-2048'));
  const result = await runCli(['generate', '-f', join(rsaDir, 'cluster.yaml'), '-o', join(rsaDir, 'out')]);
  assert.is(result.code, 0, result.stderr);
});
rsaSuite.after(() => rmSync(rsaDir, { recursive: true, force: true }));

rsaSuite('the eight files the agent derives equal the state byte for byte', () => {
  for (const node of ['cp-1', 'cp-2']) {
    const text = readFileSync(join(rsaDir, `out/nodes/${node}/node.yaml`), 'utf8');
    assert.not.match(text, PRIVATE_KEY, node);
    const bundle = parseBundle(text);
    assert.equal(
      bundle.pki.filter((file) => file.rsaPrimes !== undefined).map((file) => file.path),
      ['ca.key', 'front-proxy-ca.key', 'etcd/ca.key', 'sa.key'],
    );
    const files = sharedPkiFiles(bundle);
    assert.is(files.length, 8);
    for (const file of files)
      assert.is(file.content, readFileSync(join(rsaDir, 'out/state/pki', file.path), 'utf8'), `${node} ${file.path}`);
  }
});

rsaSuite("the init node's user-data fits 8 KiB gzipped", () => {
  const gzipped = gzipSync(readFileSync(join(rsaDir, 'out/nodes/cp-1/user-data')), { level: 9 }).length;
  assert.ok(gzipped <= 8192, `${gzipped} bytes`);
});

rsaSuite.run();
