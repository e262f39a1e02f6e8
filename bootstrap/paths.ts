// Where kubeseed-boot keeps things on the machine: the phases write these paths and
// `reset` removes them, so both read the same list.

export const STATE_DIR = '/var/lib/kubeseed';
export const STATE_PATH = `${STATE_DIR}/state.json`;
/** Written by the finish phase only: other tools wait for it to know the node is bootstrapped. */
export const COMPLETED_PATH = `${STATE_DIR}/completed.json`;
export const LOG_PATH = '/var/log/kubeseed-boot.log';

export const KUBEADM_CONFIG_PATH = '/etc/kubeseed/kubeadm.yaml';
/** A join node's ClusterConfiguration for `kubeadm config images list`: its own config is a JoinConfiguration. */
export const IMAGES_CONFIG_PATH = '/etc/kubeseed/images-config.yaml';
export const ADDONS_DIR = '/etc/kubeseed/addons';
export const TEMPLATES_DIR = '/usr/share/kubeseed/templates';

/** The metadata guard (metadata-guard.ts): its nftables ruleset, the unit that loads it at boot, and the kubelet drop-in that pulls that unit in first. */
export const METADATA_GUARD_RULESET_PATH = '/etc/kubeseed/metadata-guard.nft';
export const METADATA_GUARD_UNIT = 'kubeseed-metadata-guard.service';
export const METADATA_GUARD_UNIT_PATH = `/etc/systemd/system/${METADATA_GUARD_UNIT}`;
export const METADATA_GUARD_DROP_IN_PATH = '/etc/systemd/system/kubelet.service.d/10-kubeseed-metadata-guard.conf';

export const MODULES_LOAD_PATH = '/etc/modules-load.d/kubeseed.conf';
export const SYSCTL_PATH = '/etc/sysctl.d/99-kubeseed.conf';
export const FSTAB_PATH = '/etc/fstab';
export const HOSTNAME_PATH = '/etc/hostname';

export const CONTAINERD_CONFIG_PATH = '/etc/containerd/config.toml';
export const CONTAINERD_CERTS_DIR = '/etc/containerd/certs.d';

export const KUBERNETES_DIR = '/etc/kubernetes';
export const PKI_DIR = `${KUBERNETES_DIR}/pki`;
export const ADMIN_KUBECONFIG = `${KUBERNETES_DIR}/admin.conf`;
export const KUBELET_KUBECONFIG = `${KUBERNETES_DIR}/kubelet.conf`;
/** system:masters, bypassing RBAC; `kubeadm init` writes it on the init node only. */
export const SUPER_ADMIN_KUBECONFIG = `${KUBERNETES_DIR}/super-admin.conf`;
/** Root-only (0700): where super-admin.conf goes when nothing on the node uses it. */
export const BREAK_GLASS_DIR = `${STATE_DIR}/break-glass`;
export const MOVED_SUPER_ADMIN_KUBECONFIG = `${BREAK_GLASS_DIR}/super-admin.conf`;

/** The first line of every config file the agent owns, so `reset` never removes someone else's. */
export const OWNED_HEADER = '# Written by kubeseed-boot; `kubeseed-boot reset` removes it.';

/** Control planes: what the maintenance timers' commands read (CRI socket, snapshot retention). */
export const MAINTENANCE_CONFIG_PATH = '/etc/kubeseed/maintenance.json';
/** The last certificate check and etcd snapshot, for `status`. */
export const MAINTENANCE_RECORD_PATH = `${STATE_DIR}/maintenance.json`;
/** Root-only: an etcd snapshot holds every Secret of the cluster. Kept across `reset`. */
export const ETCD_SNAPSHOT_DIR = `${STATE_DIR}/etcd-snapshots`;
export const SYSTEMD_UNIT_DIR = '/etc/systemd/system';
/**
 * Where the agent may be installed, the usual place first: the image recipe and the stock
 * cloud-init download use /usr/local/bin; the Ignition carrier /opt/bin, since Flatcar's
 * /usr is read-only. The maintenance timers run the agent from where it is.
 */
export const AGENT_PATHS = ['/usr/local/bin/kubeseed-boot', '/opt/bin/kubeseed-boot'] as const;
/** Written by `reset`: the node left the cluster and `run` must not join it again. */
export const RESET_MARKER_PATH = `${STATE_DIR}/reset.json`;
