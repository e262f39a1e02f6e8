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
 * The kubeadm patch releases whose init builds in-memory kubeconfigs aimed at the local API
 * server (kubernetes#138449; cherry-picks #138682, #138683, #138685 for 1.36, 1.35, 1.34;
 * none for 1.33) take away init's own need for the VIP, so kube-vip with admin.conf might
 * get its lease once init has bound kubeadm:cluster-admins. Nobody upstream has shown it
 * (kube-vip#684 is open; Cluster API's vSphere provider keeps super-admin.conf for every
 * version from 1.29; its attempt to drop it from 1.31 on, PR #3168, was closed after
 * forbidden-lease failures, before these releases), the earlier patches of 1.34–1.36 and
 * all of 1.31–1.33 lack it, and one kubeconfig choice per patch release would be two
 * start-up paths to keep working: the init node uses super-admin.conf on every supported
 * version.
 */
export const KUBE_VIP_KUBECONFIGS = {
  init: '/etc/kubernetes/super-admin.conf',
  join: '/etc/kubernetes/admin.conf',
} as const;
