// ClusterConfiguration: the cluster-wide settings `kubeadm init` stores in the kubeadm-config
// ConfigMap and every later join and upgrade reads back.
import { goDuration } from '../../core/duration.ts';
import { type ClusterSpec, formatEndpoint } from '../spec/types.ts';
import { KUBEADM_API_VERSION } from './api-versions.ts';
import { isControlPlane } from './node-registration.ts';

const SECONDS_PER_HOUR = 3600;

// Each API server's certificate names every control plane, so a client that reaches any of
// them by address (the VIP not yet up, or a kubeconfig pointed at one node) still verifies.
function certSANs(spec: ClusterSpec): string[] {
  const addresses = spec.nodes
    .filter(isControlPlane)
    .flatMap((node) => (node.address === undefined ? [] : [node.address]));
  return [...new Set([spec.controlPlaneEndpoint.host, ...addresses])].sort();
}

export function clusterConfiguration(spec: ClusterSpec): Record<string, unknown> {
  return {
    apiVersion: KUBEADM_API_VERSION,
    kind: 'ClusterConfiguration',
    clusterName: spec.name,
    kubernetesVersion: `v${spec.kubernetesVersion}`,
    controlPlaneEndpoint: formatEndpoint(spec.controlPlaneEndpoint),
    ...(spec.imageRepository === undefined ? {} : { imageRepository: spec.imageRepository }),
    networking: {
      podSubnet: spec.networking.podSubnets.join(','),
      serviceSubnet: spec.networking.serviceSubnets.join(','),
      dnsDomain: spec.networking.dnsDomain,
    },
    apiServer: { certSANs: certSANs(spec) },
    encryptionAlgorithm: spec.pki.algorithm,
    certificateValidityPeriod: goDuration(spec.pki.certValidityHours * SECONDS_PER_HOUR),
    caCertificateValidityPeriod: goDuration(spec.pki.caValidityHours * SECONDS_PER_HOUR),
  };
}
