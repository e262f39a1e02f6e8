// The kube-vip static pod every control plane runs when the cluster's endpoint is an
// address kubeseed manages: it holds the address by ARP (NDP for IPv6) on whichever
// control plane wins leader election, with no load balancer in front of the API servers.
//
// It is what `kube-vip manifest pod --controlplane --arp --leaderElection --address VIP
// [--interface IF]` writes at v1.2.3 (pkg/kubevip/config_generator.go, generatePodSpec;
// v1.2.3 through kube-vip HEAD of 2026-08-21 do not change it), with three differences,
// each on purpose:
// - the image is pinned by digest (images/kube-vip-image.ts);
// - the kubeconfig and hosts files are mounted with type File and read-only: a missing
//   file then keeps the pod from starting until it exists, where an untyped hostPath
//   would let the runtime create a directory in its place (admin.conf before a join);
// - a small hosts file is mounted as /etc/hosts (see KUBE_VIP_HOSTS_PATH).
// kube-vip reaches its own node's API server as `kubernetes:<port>` (pkg/manager/manager.go:
// with admin.conf mounted and cp_enable it replaces the kubeconfig's server), which the
// API server's certificate names, so `port` is the API server's own port and the
// endpoint's: there is no load balancer between them.
import { isIP } from 'node:net';
import { KUBE_VIP_HOSTS_PATH, KUBE_VIP_KUBECONFIGS } from '../../core/kube-vip-files.ts';
import { stringifyYaml } from '../../core/yaml-stringify.ts';

/** What kube-vip mounts as its kubeconfig: always this path inside the container. */
const CONTAINER_KUBECONFIG = '/etc/kubernetes/admin.conf';
const API_SERVER_PORT = 6443;
/** kube-vip's defaults since v1.1.0, those of client-go's leader election (seconds). */
const LEASE = { duration: 15, renewDeadline: 10, retryPeriod: 2 };
const LEASE_NAME = 'plndr-cp-lock';
const NAMESPACE = 'kube-system';

export interface KubeVipPodInput {
  /** The address kube-vip holds: the cluster's controlPlaneEndpoint host. */
  address: string;
  /** Without it kube-vip takes the interface of the node's default route (IPv4, else IPv6). */
  interface?: string;
  /** The init node's kube-vip starts before admin.conf has any rights. */
  role: 'init' | 'join';
  image: string;
}

const HEADER =
  '# kube-vip, holding the control-plane address (kubeseed). kubeseed-boot writes it before every kubeadm try:\n# `kubeadm reset` empties this directory.\n';

function env(name: string, value: string) {
  return { name, value };
}

function environment(input: KubeVipPodInput) {
  return [
    env('vip_arp', 'true'),
    env('port', String(API_SERVER_PORT)),
    { name: 'vip_nodename', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    ...(input.interface === undefined ? [] : [env('vip_interface', input.interface)]),
    // Since v0.9 kube-vip reads vip_subnet (not vip_cidr): the address alone, as a host route.
    env('vip_subnet', isIP(input.address) === 6 ? '128' : '32'),
    env('dns_mode', 'first'),
    env('cp_enable', 'true'),
    env('cp_namespace', NAMESPACE),
    env('vip_leaderelection', 'true'),
    env('vip_leasename', LEASE_NAME),
    env('vip_leaseduration', String(LEASE.duration)),
    env('vip_renewdeadline', String(LEASE.renewDeadline)),
    env('vip_retryperiod', String(LEASE.retryPeriod)),
    env('address', input.address),
    env('prometheus_server', ':2112'),
  ];
}

export function kubeVipPod(input: KubeVipPodInput): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'kube-vip', namespace: NAMESPACE },
    spec: {
      containers: [
        {
          name: 'kube-vip',
          image: input.image,
          imagePullPolicy: 'IfNotPresent',
          args: ['manager'],
          env: environment(input),
          securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] } },
          volumeMounts: [
            { name: 'kubeconfig', mountPath: CONTAINER_KUBECONFIG, readOnly: true },
            { name: 'etchosts', mountPath: '/etc/hosts', readOnly: true },
          ],
        },
      ],
      hostAliases: [{ ip: '127.0.0.1', hostnames: ['kubernetes'] }],
      hostNetwork: true,
      volumes: [
        { name: 'kubeconfig', hostPath: { path: KUBE_VIP_KUBECONFIGS[input.role], type: 'File' } },
        { name: 'etchosts', hostPath: { path: KUBE_VIP_HOSTS_PATH, type: 'File' } },
      ],
    },
  };
}

/** The manifest as the agent writes it to /etc/kubernetes/manifests/kube-vip.yaml. */
export function renderKubeVipManifest(input: KubeVipPodInput): string {
  return HEADER + stringifyYaml(kubeVipPod(input));
}
