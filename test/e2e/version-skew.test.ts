// A machine whose kubeadm does not match the bundle: the image's stand-in kubeadm package is
// E2E_KUBERNETES_VERSION's, the cluster was generated for another minor. The version comes
// from the machine (as a real kubeadm's comes from its binary), so the agent's preflight
// finds the skew at boot and nothing is installed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needing } from '../helpers/tools.ts';
import { clusterSpec, E2eCluster } from './cluster.ts';
import { collectedResults, type GuestResults } from './guest-results.ts';
import { bootNspawn, NSPAWN_BOOT_LIMIT_MS } from './nspawn.ts';
import { E2E_KUBERNETES_VERSION, e2eImage } from './rootfs.ts';
import { NSPAWN_TOOLS } from './tools.ts';
import { E2eWorkDir } from './work-dir.ts';

const NODE = 'cp-1';
const BUNDLE_VERSION = '1.33.6';

const work = new E2eWorkDir('version-skew');
let booted: Promise<GuestResults> | undefined;

async function bootSkewed(): Promise<GuestResults> {
  const image = await e2eImage();
  const cluster = new E2eCluster(await work.resultDir('cluster'), clusterSpec(BUNDLE_VERSION));
  const out = await work.resultDir(NODE);
  const machine = bootNspawn({
    name: NODE,
    rootfs: image.rootfs,
    volatile: true,
    seed: cluster.seedDir(NODE),
    out,
    timeoutMs: NSPAWN_BOOT_LIMIT_MS,
  });
  return collectedResults(`version-skew: ${NODE}`, out, await machine.finished);
}

function skewed(): Promise<GuestResults> {
  booted ??= bootSkewed();
  return booted;
}

const Skew = needing(
  suite(
    `e2e: a ${BUNDLE_VERSION} bundle on a machine whose stand-in kubeadm package is v${E2E_KUBERNETES_VERSION} (systemd-nspawn)`,
  ),
  { root: true, tools: NSPAWN_TOOLS },
);

Skew.after(() => work.finish());

Skew(
  'preflight fails naming the installed kubeadm and the bundle’s version; no phase after it ran',
  work.check(async () => {
    const result = await skewed();
    const minor = E2E_KUBERNETES_VERSION.split('.').slice(0, 2).join('.');
    assert.match(
      result.text('kubeseed-boot.log'),
      `kubeadm: kubeadm v${E2E_KUBERNETES_VERSION} cannot install Kubernetes ${BUNDLE_VERSION}: the machine image needs kubeadm 1.33.x`,
    );
    assert.not.match(result.text('kubeseed-boot.log'), `needs kubeadm ${minor}.x`);
    const phases = result.phases();
    assert.is(phases.preflight, 'failed');
    for (const phase of ['host', 'runtime', 'images', 'pki', 'kubeadm', 'addons', 'finish'])
      assert.ok(phases[phase] === undefined || phases[phase] === 'pending', `${phase} is ${phases[phase]}`);
    assert.not.match(result.text('kubeseed-status.txt'), /^bootstrapped at /m);
  }),
);

Skew(
  'the stand-in kubeadm was only asked its version, and answered with the package’s',
  work.check(async () => {
    const result = await skewed();
    const calls = result.standins.calls('kubeadm');
    assert.ok(calls.length >= 1, 'kubeadm version was asked');
    for (const call of calls) assert.equal(call.argv, ['version', '-o', 'short']);
  }),
);

Skew.run();
