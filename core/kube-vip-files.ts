// Where kube-vip's files live on a control plane: the generator names them in the static
// pod it renders, the agent writes them there. kubeadm's reset empties the manifests
// directory, so the agent writes both again before every kubeadm try.

export const KUBE_VIP_MANIFEST_PATH = '/etc/kubernetes/manifests/kube-vip.yaml';
/**
 * Mounted as the pod's /etc/hosts, so `kubernetes` is 127.0.0.1 from kube-vip's first start:
 * the kubelet may not apply a static pod's hostAliases before the node's network is up
 * (kube-vip#692, kubernetes#119852); Cluster API's vSphere provider mounts such a file too.
 */
export const KUBE_VIP_HOSTS_PATH = '/etc/kube-vip.hosts';
export const KUBE_VIP_HOSTS = "# kube-vip's /etc/hosts, written by kubeseed-boot.\n127.0.0.1 localhost kubernetes\n";

/**
 * The kubeconfig kube-vip authenticates with. `admin.conf` has rights only once `kubeadm init`
 * has bound its group (kubeadm:cluster-admins, 1.29+), and init needs the VIP to get there,
 * so on the init node kube-vip takes `super-admin.conf` (system:masters), which only that
 * node has (kube-vip#684). A joining control plane has admin.conf once it joins.
 * The kubeadm patch releases that point init's own clients at the local API server
 * (kubernetes#138449: 1.36.1, 1.35.5 and a 1.34 patch) change kubeadm's clients, not
 * kube-vip's, and nothing upstream shows kube-vip taking its lease with admin.conf then
 * (kube-vip#684 is open; Cluster API's vSphere provider keeps super-admin.conf for every
 * version from 1.29): the init node keeps super-admin.conf on every supported version.
 */
export const KUBE_VIP_KUBECONFIGS = {
  init: '/etc/kubernetes/super-admin.conf',
  join: '/etc/kubernetes/admin.conf',
} as const;
