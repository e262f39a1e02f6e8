// Node labels and taints reach the kubelet through --node-labels and kubeadm's
// nodeRegistration.taints; the kubelet refuses to start on labels it may not set itself,
// so those are caught here rather than on a machine at first boot.
import { DNS_1123_SUBDOMAIN } from '../../core/formats.ts';

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** kubelet's allowed set within the kubernetes.io and k8s.io namespaces (NodeRestriction). */
const KUBELET_ALLOWED_PREFIXES = ['kubelet.kubernetes.io/', 'node.kubernetes.io/'];
const KUBELET_ALLOWED_KEYS = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/instance-type',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.kubernetes.io/zone',
  'failure-domain.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
]);

/** A problem with a label or taint key, or undefined when Kubernetes accepts it. */
export function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && !DNS_1123_SUBDOMAIN.test(prefix)) {
    return `key ${JSON.stringify(key)} has an invalid prefix; expected a DNS subdomain like example.com/`;
  }
  if (!NAME.test(name)) {
    return `key ${JSON.stringify(key)} is not valid; expected up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  }
  return undefined;
}

export function labelValueProblem(value: string): string | undefined {
  if (value === '' || NAME.test(value)) return undefined;
  return `value ${JSON.stringify(value)} is not valid; expected up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
}

export function kubeletLabelProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const namespace = slash === -1 ? '' : key.slice(0, slash);
  const restricted = ['kubernetes.io', 'k8s.io'].some(
    (domain) => namespace === domain || namespace.endsWith(`.${domain}`),
  );
  if (!restricted || KUBELET_ALLOWED_KEYS.has(key) || KUBELET_ALLOWED_PREFIXES.some((p) => key.startsWith(p)))
    return undefined;
  return `the kubelet may not set ${JSON.stringify(key)} (kubernetes.io and k8s.io labels are restricted); use your own prefix such as example.com/role, or a node.kubernetes.io/ label`;
}
