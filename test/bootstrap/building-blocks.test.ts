// The agent's pure pieces: redaction, backoff, kubeadm failure classes, fstab edits,
// add-on templates, containerd mirror files and IPv6 detection.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Backoff } from '../../bootstrap/backoff.ts';
import { hostsToml } from '../../bootstrap/containerd-config.ts';
import { commentOutSwap, hasActiveSwap, restoreSwap } from '../../bootstrap/fstab.ts';
import { usesIpv6 } from '../../bootstrap/ip-families.ts';
import { isConfigError } from '../../bootstrap/kubeadm-failure.ts';
import { redact } from '../../bootstrap/redact.ts';
import { renderTemplate } from '../../bootstrap/template.ts';
import { KubeseedError } from '../../core/errors.ts';
import { needing } from '../helpers/tools.ts';
import { AGENT_TOOLS, cleanup, FSTAB, makeBundle, makePki } from './helpers.ts';

const test = needing(suite('agent: building blocks'), { tools: AGENT_TOOLS });
test.after(cleanup);

test('redact: tokens, PEM blocks (whole, cut at either end), base64 PEM and bare base64 lines; hashes stay', () => {
  const key = makePki().caKey;
  const body = key.split('\n')[1]!;
  assert.is(redact('token abcdef.0123456789abcdef here'), 'token [redacted token] here');
  assert.is(redact(`a\n${key}b`), 'a\n[redacted PEM block]\nb');
  assert.is(redact(`cut: -----BEGIN PRIVATE KEY-----\n${body}`), 'cut: [redacted PEM block]');
  assert.is(redact(`${body}\n-----END PRIVATE KEY-----\nafter`), '[redacted PEM block]\nafter');
  assert.is(
    redact(`client-key-data: ${Buffer.from(key).toString('base64')}`),
    'client-key-data: [redacted base64 PEM]',
  );
  assert.is(redact(`line\n${body}\nline`), 'line\n[redacted base64]\nline');
  const hash = `sha256:${'ab'.repeat(32)}`;
  assert.is(redact(`--discovery-token-ca-cert-hash ${hash}`), `--discovery-token-ca-cert-hash ${hash}`);
});

test('backoff: grows, stays within [ceiling/2, ceiling], caps at 30 s', () => {
  const low = new Backoff(1000, () => 0);
  const high = new Backoff(1000, () => 1);
  assert.equal(
    [1, 2, 3, 4].map(() => low.next()),
    [500, 1000, 2000, 4000],
  );
  assert.equal(
    [1, 2, 3, 4].map(() => high.next()),
    [1000, 2000, 4000, 8000],
  );
  const capped = new Backoff(1000, () => 1);
  for (let i = 0; i < 100; i++) assert.ok(capped.next() <= 30_000);
  assert.is(capped.next(), 30_000);
  const tests = new Backoff(5, () => 1);
  for (let i = 0; i < 20; i++) tests.next();
  assert.is(tests.next(), 150, 'a small base keeps its cap small');
});

test('kubeadm failures (stderr as real kubeadm prints it): configuration errors are told apart from transient ones', () => {
  assert.ok(isConfigError('error unmarshaling JSON: while decoding JSON: json: unknown field "foo"'));
  assert.ok(isConfigError('strict decoding error: unknown field "bogus"'));
  assert.ok(isConfigError('invalid configuration for GroupVersionKind'));
  assert.ok(isConfigError('no kind "InitConfig" is registered for version "kubeadm.k8s.io/v1beta4"'));
  assert.ok(isConfigError('networking.podSubnet: Invalid value: "10.0.0.0/33": couldn\'t parse subnet'));
  assert.ok(isConfigError('[discovery.bootstrapToken.apiServerEndpoint: Required value: the API server to discover]'));
  assert.ok(
    isConfigError(
      'this version of kubeadm only supports deploying clusters with the control plane version >= 1.32.0. Current version: v1.31.0',
    ),
  );
  assert.not.ok(isConfigError('[wait-control-plane] context deadline exceeded'));
  assert.not.ok(isConfigError('[preflight] Some fatal errors occurred: [ERROR Port-6443]: Port 6443 is in use'));
});

test('fstab: swap lines commented out with a marker and restored exactly', () => {
  assert.ok(hasActiveSwap(FSTAB));
  const edited = commentOutSwap(FSTAB);
  assert.not.ok(hasActiveSwap(edited));
  assert.is(commentOutSwap(edited), edited, 'idempotent');
  assert.is(restoreSwap(edited), FSTAB);
  assert.is(commentOutSwap('# /swap none swap sw 0 0\n'), '# /swap none swap sw 0 0\n', 'comments stay as they are');
});

test('add-on templates: ${NAME} substituted; a placeholder without a value is an error naming it', () => {
  assert.is(
    renderTemplate('t', 'cidr: ${POD_CIDR} ${POD_CIDR}', { POD_CIDR: '10.244.0.0/16' }),
    'cidr: 10.244.0.0/16 10.244.0.0/16',
  );
  assert.is(renderTemplate('t', 'shell: $HOME', {}), 'shell: $HOME');
  try {
    renderTemplate('add-on flannel v1', 'a: ${A}\nb: ${B}', { A: '1' });
    assert.unreachable('should fail');
  } catch (error) {
    assert.instance(error, KubeseedError);
    assert.match((error as Error).message, /add-on flannel v1 uses \$\{B\} but the bundle gives no value/);
  }
});

test('containerd hosts.toml: Docker Hub upstream, several mirrors in order, skip_verify', () => {
  assert.is(
    hostsToml({ host: 'docker.io', mirrors: ['https://a.internal', 'http://b.internal:5000'], skipVerify: true }),
    [
      '# Written by kubeseed-boot; `kubeseed-boot reset` removes it.',
      'server = "https://registry-1.docker.io"',
      '',
      '[host."https://a.internal"]',
      '  capabilities = ["pull", "resolve"]',
      '  skip_verify = true',
      '',
      '[host."http://b.internal:5000"]',
      '  capabilities = ["pull", "resolve"]',
      '  skip_verify = true',
      '',
    ].join('\n'),
  );
});

test('IPv6 forwarding only when the cluster uses IPv6', () => {
  const bundle = makeBundle('init');
  assert.not.ok(usesIpv6(bundle));
  const dualStack = {
    ...bundle,
    kubeadm: { config: bundle.kubeadm.config.replace('10.244.0.0/16', '10.244.0.0/16,fd00:10:244::/56') },
  };
  assert.ok(usesIpv6(dualStack));
  assert.ok(usesIpv6({ ...makeBundle('worker'), node: { ...bundle.node, address: 'fd00::12' } }));
});

test.run();
