import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { KubeseedError } from '../../../core/errors.ts';
import { networkConfig, nocloudMetaData } from '../../../generator/carriers/nocloud.ts';
import type { NodeSpec } from '../../../generator/spec/types.ts';
import { type NocloudSeed, readNocloudSeed } from '../../helpers/nocloud.ts';
import { needing } from '../../helpers/tools.ts';

function node(fields: Partial<NodeSpec> = {}): NodeSpec {
  return {
    name: 'w-1',
    role: 'worker',
    bootstrap: 'worker',
    arch: 'arm64',
    carrier: 'cloud-init',
    labels: {},
    sshAuthorizedKeys: [],
    ...fields,
  } as NodeSpec;
}

/** cloud-init's own view of a seed holding this network-config. */
function cloudInitReads(network: string): NocloudSeed {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-nocloud-'));
  try {
    writeFileSync(join(dir, 'user-data'), '#cloud-config\n');
    writeFileSync(join(dir, 'meta-data'), nocloudMetaData({ clusterName: 'lab', nodeName: 'w-1' }));
    writeFileSync(join(dir, 'network-config'), network);
    return readNocloudSeed(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What cloud-init 22.4's systemd-networkd renderer makes of it (Debian-style images). */
function networkdRendering(network: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-netconv-'));
  try {
    writeFileSync(join(dir, 'network-config'), network);
    execFileSync(
      'cloud-init',
      [
        'devel',
        'net-convert',
        '-p',
        join(dir, 'network-config'),
        '-k',
        'yaml',
        '-d',
        join(dir, 'out'),
        '-D',
        'debian',
        '-O',
        'networkd',
      ],
      { stdio: 'pipe' },
    );
    const unitDir = join(dir, 'out/etc/systemd/network');
    return readdirSync(unitDir)
      .map((file) => readFileSync(join(unitDir, file), 'utf8'))
      .join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const nocloudSuite = suite('NoCloud meta-data and network-config, read by cloud-init itself');
const withCloudInit = needing(nocloudSuite, { tools: ['cloud-init'] });

withCloudInit('meta-data: a stable instance-id from cluster and node, and the hostname', () => {
  const text = nocloudMetaData({ clusterName: 'lab', nodeName: 'w-1' });
  assert.equal(parse(text), { 'instance-id': 'kubeseed-lab-w-1', 'local-hostname': 'w-1' });
  assert.is(nocloudMetaData({ clusterName: 'lab', nodeName: 'w-1' }), text);
  assert.is.not(nocloudMetaData({ clusterName: 'lab', nodeName: 'w-2' }), text);
  assert.equal(cloudInitReads(networkConfig(node())).metaData, {
    'instance-id': 'kubeseed-lab-w-1',
    'local-hostname': 'w-1',
  });
});

withCloudInit('no network settings: DHCP on the wired interfaces, version 2', () => {
  const text = networkConfig(node());
  assert.equal(parse(text), { version: 2, ethernets: { eth0: { match: { name: 'e*' }, dhcp4: true } } });
  const seed = cloudInitReads(text);
  assert.equal(
    seed.interfaces!.map((iface) => iface.subnets!.map((subnet) => subnet.type)),
    [['dhcp4']],
  );
  assert.match(networkdRendering(text), /DHCP=ipv4/);
});

withCloudInit('static IPv4: address/prefix, a default route via the gateway, nameservers', () => {
  const text = networkConfig(
    node({
      address: '10.0.0.21',
      network: { prefixLength: 24, gateway: '10.0.0.1', nameservers: ['10.0.0.1', '1.1.1.1'] },
    }),
  );
  const seed = cloudInitReads(text);
  const [subnet] = seed.interfaces![0]!.subnets!;
  assert.is(subnet!.type, 'static');
  assert.is(subnet!.address, '10.0.0.21');
  assert.is(subnet!.prefix, 24);
  assert.equal(subnet!.dns_nameservers, ['10.0.0.1', '1.1.1.1']);
  assert.equal(
    subnet!.routes!.map(({ network, prefix, gateway }) => ({ network, prefix, gateway })),
    [{ network: '0.0.0.0', prefix: 0, gateway: '10.0.0.1' }],
  );
  const networkd = networkdRendering(text);
  assert.match(networkd, /Address=10\.0\.0\.21\/24/);
  assert.match(networkd, /Gateway=10\.0\.0\.1/);
  assert.match(networkd, /DNS=10\.0\.0\.1 1\.1\.1\.1/);
});

withCloudInit('static on a named interface, IPv6, no gateway or nameservers', () => {
  const text = networkConfig(node({ address: 'fd00::21', network: { prefixLength: 64, interface: 'end0' } }));
  assert.equal(parse(text), { version: 2, ethernets: { end0: { dhcp4: false, addresses: ['fd00::21/64'] } } });
  const seed = cloudInitReads(text);
  assert.is(seed.interfaces![0]!.name, 'end0');
  assert.is(seed.interfaces![0]!.subnets![0]!.address, 'fd00::21');
});

withCloudInit("an IPv6 gateway becomes the default route in cloud-init's own renderers too", () => {
  const text = networkConfig(node({ address: 'fd00::21', network: { prefixLength: 64, gateway: 'fd00::1' } }));
  assert.is(cloudInitReads(text).interfaces![0]!.subnets![0]!.gateway, 'fd00::1');
  const networkd = networkdRendering(text);
  assert.match(networkd, /\[Route\]\nGateway=fd00::1/);
  assert.not.match(networkd, /Destination=/);
});

nocloudSuite('static settings without the node address are refused, naming both fields', () => {
  try {
    networkConfig(node({ network: { prefixLength: 24 } }));
    assert.unreachable();
  } catch (error) {
    assert.instance(error, KubeseedError);
    assert.is((error as KubeseedError).code, 'invalid-spec');
    assert.match((error as Error).message, /nodes\.w-1\.network: static settings need nodes\.w-1\.address/);
  }
});

nocloudSuite.run();
