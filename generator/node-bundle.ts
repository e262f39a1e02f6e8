// Assembles one machine's node bundle from the cluster spec and its state. Pure: the
// same spec and state give the same bundle. Control planes get the eight shared PKI
// files (six carried, two derived on the machine; RSA keys as their primes); workers get
// only the CA certificate, its hash and the token.

import { sandboxImage } from '../core/kubernetes-versions.ts';
import {
  type AddonRef,
  BUNDLE_API_VERSION,
  BUNDLE_KIND,
  BUNDLED_PKI_FILES,
  type BundledPkiFile,
  isPrivateKeyFile,
  type NodeBundle,
  type PkiFile,
} from '../core/node-bundle.ts';
import { compactRsaKey } from '../core/rsa-key.ts';
import { KUBE_VIP_IMAGE } from '../images/kube-vip-image.ts';
import { nodeKubeVip } from './kube-vip/node-kube-vip.ts';
import { CRI_SOCKET } from './kubeadm/node-registration.ts';
import { renderKubeadmConfig } from './kubeadm/render.ts';
import { caCertHash } from './pki/ca-hash.ts';
import type { ClusterPki } from './pki/types.ts';
import { type ClusterSpec, formatEndpoint, type NodeSpec } from './spec/types.ts';
import type { ClusterState } from './state/store.ts';

export interface PodNetworkTemplate {
  name: string;
  version: string;
  sha256: string;
  images: readonly string[];
  /** The template text, for machines whose image does not carry it. */
  manifest: string;
}

// Every control plane carries the same files; each RSA key is checked by rebuilding it.
const bundledPkiFilesOf = new WeakMap<ClusterPki, PkiFile[]>();

export function bundledPkiFiles(pki: ClusterPki): PkiFile[] {
  let files = bundledPkiFilesOf.get(pki);
  if (!files) {
    files = compactPkiFiles(pki);
    bundledPkiFilesOf.set(pki, files);
  }
  return files;
}

function compactPkiFiles(pki: ClusterPki): PkiFile[] {
  const contents: Record<BundledPkiFile, string> = {
    'ca.key': pki.ca.key,
    'front-proxy-ca.crt': pki.frontProxyCa.cert,
    'front-proxy-ca.key': pki.frontProxyCa.key,
    'etcd/ca.crt': pki.etcdCa.cert,
    'etcd/ca.key': pki.etcdCa.key,
    'sa.key': pki.serviceAccount.key,
  };
  return BUNDLED_PKI_FILES.map((path) => {
    const content = contents[path];
    const rsaPrimes = isPrivateKeyFile(path) ? compactRsaKey(content) : undefined;
    return rsaPrimes ? { path, rsaPrimes } : { path, content };
  });
}

// Images baked with images/install-agent.ts carry the templates; Flatcar and Fedora CoreOS
// (the Ignition carrier) get only what Ignition downloads, and stock images nothing of
// kubeseed but the agent, so their bundle carries it inline.
function podNetworkAddon(spec: ClusterSpec, node: NodeSpec, template: PodNetworkTemplate): AddonRef {
  return {
    name: template.name,
    version: template.version,
    sha256: template.sha256,
    parameters: { POD_SUBNET: spec.networking.podSubnets[0]! },
    ...(node.carrier === 'ignition' || node.machineImage === 'stock' ? { manifest: template.manifest } : {}),
  };
}

// Control planes renew their certificates on different days (the slot is the node's place
// among them), so they never restart their static pods together.
function maintenanceOf(spec: ClusterSpec, node: NodeSpec): NonNullable<NodeBundle['maintenance']> {
  const controlPlanes = spec.nodes.filter((candidate) => candidate.role === 'control-plane');
  const { etcdSnapshots } = spec.maintenance;
  return {
    renewalSlot: controlPlanes.findIndex((candidate) => candidate.name === node.name),
    ...(etcdSnapshots ? { etcdSnapshots: { ...etcdSnapshots } } : {}),
  };
}

export function assembleNodeBundle(
  spec: ClusterSpec,
  node: NodeSpec,
  state: ClusterState,
  podNetwork: PodNetworkTemplate,
  caHash = caCertHash(state.pki.ca.cert),
): NodeBundle {
  const isInit = node.bootstrap === 'init';
  const kubeVip = nodeKubeVip(spec, node);
  return {
    apiVersion: BUNDLE_API_VERSION,
    kind: BUNDLE_KIND,
    cluster: {
      name: spec.name,
      kubernetesVersion: spec.kubernetesVersion,
      controlPlaneEndpoint: formatEndpoint(spec.controlPlaneEndpoint),
      caCertificate: state.pki.ca.cert,
      caCertHash: caHash,
      hasWorkers: spec.nodes.some((candidate) => candidate.role === 'worker'),
    },
    node: {
      name: node.name,
      role: node.bootstrap,
      arch: node.arch,
      ...(node.address === undefined ? {} : { address: node.address }),
      metadataGuard: node.metadataGuard,
    },
    kubeadm: { config: renderKubeadmConfig({ spec, node, token: state.token, caCertHash: caHash }) },
    pki: node.role === 'control-plane' ? bundledPkiFiles(state.pki) : [],
    runtime: {
      criSocket: CRI_SOCKET,
      sandboxImage: sandboxImage(spec.kubernetesVersion, spec.imageRepository),
      registryMirrors: spec.registries.map((mirror) => ({ ...mirror })),
    },
    // The pod network runs on every node, so every node needs its images; kube-vip, the control planes.
    images: {
      archives: spec.imageArchives.map((archive) => ({ ...archive })),
      required: [...podNetwork.images, ...(kubeVip ? [KUBE_VIP_IMAGE] : [])],
    },
    addons: isInit ? [podNetworkAddon(spec, node, podNetwork)] : [],
    ...(kubeVip ? { kubeVip } : {}),
    ...(node.role === 'control-plane' ? { maintenance: maintenanceOf(spec, node) } : {}),
    install:
      node.machineImage === 'stock'
        ? {
            machineImage: 'stock',
            ...(spec.packageRepository ? { packageRepository: { ...spec.packageRepository } } : {}),
            ...(spec.releaseMirror ? { releaseMirror: spec.releaseMirror } : {}),
          }
        : { machineImage: 'prepared' },
  };
}
