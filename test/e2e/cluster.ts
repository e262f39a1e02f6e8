// The cluster the e2e boots build: generated with the real CLI, as a user would, then
// handed to machines the way each carrier does it: a NoCloud seed directory (nspawn) or a
// seed ISO (`kubeseed media seed`, qemu), or config.ign for Ignition nodes (ignition.test.ts
// applies it with the real Ignition binary). Addresses are in TEST-NET-1 (192.0.2.0/24): they
// exist only on the loopback of a test machine's own network namespace.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BootstrapRole, type NodeBundle, parseBundle, renderBundle, scrubBundle } from '../../core/node-bundle.ts';
import { runCliProcess } from '../helpers/run-cli.ts';
import { signServerCertificate } from '../helpers/server-certificate.ts';
import { E2E_KUBERNETES_VERSION } from './rootfs.ts';

/** The four-node cluster, for the version of the image's stand-in kubeadm package unless told otherwise. */
export const clusterSpec = (kubernetesVersion = E2E_KUBERNETES_VERSION) => `apiVersion: kubeseed.dev/v1alpha1
kind: Cluster
name: e2e
kubernetesVersion: ${kubernetesVersion}
controlPlaneEndpoint: 192.0.2.10:6443
networking:
  podSubnet: 10.244.0.0/16
pki:
  algorithm: ECDSA-P256
# The e2e image carries kubeseed-boot, containerd and the stand-ins (rootfs.ts).
machineImage: prepared
nodes:
  - name: cp-1
    role: control-plane
    address: 192.0.2.11
  - name: cp-2
    role: control-plane
    address: 192.0.2.12
  - name: w-1
    role: worker
    address: 192.0.2.21
  - name: w-2
    role: worker
    address: 192.0.2.22
`;

interface NodesJson {
  controlPlaneEndpoint: string;
  nodes: Record<
    string,
    { bootstrap: BootstrapRole; files: { bundle: string; userData: string; metaData?: string; networkConfig?: string } }
  >;
}

export interface E2eNode {
  name: string;
  role: BootstrapRole;
  /** The bundle file generate wrote, and what it says. */
  bundlePath: string;
  bundle: NodeBundle;
  /** What the machine reads first: user-data (cloud-init) or config.ign (Ignition). */
  userDataPath: string;
}

export class E2eCluster {
  readonly out: string;
  readonly endpoint: string;
  readonly nodes: E2eNode[];
  private readonly report: NodesJson;

  /** Runs `kubeseed generate` on `spec` (default: the four-node cluster above) into DIR/out. */
  constructor(
    readonly dir: string,
    spec = clusterSpec(),
  ) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'cluster.yaml'), spec);
    this.out = join(dir, 'out');
    const result = runCliProcess(['generate', '-f', join(dir, 'cluster.yaml'), '-o', this.out]);
    if (result.code !== 0) throw new Error(`kubeseed generate failed (${result.code}): ${result.stderr}`);
    this.report = JSON.parse(readFileSync(join(this.out, 'nodes.json'), 'utf8')) as NodesJson;
    this.endpoint = this.report.controlPlaneEndpoint;
    this.nodes = Object.entries(this.report.nodes).map(([name, node]) => {
      const bundlePath = join(this.out, node.files.bundle);
      return {
        name,
        role: node.bootstrap,
        bundlePath,
        bundle: parseBundle(readFileSync(bundlePath, 'utf8')),
        userDataPath: join(this.out, node.files.userData),
      };
    });
  }

  node(name: string): E2eNode {
    const node = this.nodes.find((candidate) => candidate.name === name);
    if (!node) throw new Error(`no node ${name} in the e2e cluster`);
    return node;
  }

  /** A NoCloud seed directory with the node's files as generate wrote them. */
  seedDir(name: string): string {
    const files = this.report.nodes[name]!.files;
    if (!files.metaData || !files.networkConfig)
      throw new Error(`${name} is not a cloud-init node: it has no NoCloud seed`);
    const dir = join(this.dir, 'seeds', name);
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(this.out, files.userData), join(dir, 'user-data'));
    copyFileSync(join(this.out, files.metaData), join(dir, 'meta-data'));
    copyFileSync(join(this.out, files.networkConfig), join(dir, 'network-config'));
    return dir;
  }

  /** The node's NoCloud seed ISO, made by `kubeseed media seed`. */
  seedIso(name: string): string {
    const iso = join(this.dir, `${name}-seed.iso`);
    const result = runCliProcess(['media', 'seed', '--node', name, '-o', iso, '--from', this.out]);
    if (result.code !== 0) throw new Error(`kubeseed media seed failed (${result.code}): ${result.stderr}`);
    return iso;
  }

  /**
   * What the API server stand-in in the image (test/e2e/guest/apiserver) serves with: the
   * endpoint and a serving certificate for its address signed by the cluster CA from the
   * generated state, as kubeadm's apiserver certificate would be.
   */
  apiserverDir(name: string): string {
    const dir = join(this.dir, 'apiserver', name);
    mkdirSync(dir, { recursive: true });
    const host = this.endpoint.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    const pki = join(this.out, 'state', 'pki');
    writeFileSync(join(dir, 'endpoint'), `${this.endpoint}\n`);
    signServerCertificate(dir, 'tls', { cert: join(pki, 'ca.crt'), key: join(pki, 'ca.key') }, host);
    return dir;
  }
}

/**
 * What /etc/kubeseed/node.yaml holds once the node is bootstrapped: the generated bundle,
 * scrubbed by the agent (at the time the copy says), byte for byte.
 */
export function scrubbedBundleText(node: E2eNode, onMachine: string): string {
  const scrubbedAt = parseBundle(onMachine).scrubbedAt;
  if (scrubbedAt === undefined) throw new Error(`${node.name}: /etc/kubeseed/node.yaml was not scrubbed`);
  return renderBundle(scrubBundle(node.bundle, new Date(scrubbedAt)));
}
