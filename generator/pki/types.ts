// The cluster-wide key material the generator owns: what control planes receive as the
// shared files, plus the admin credential rendered into out/admin.conf.

export interface PemPair {
  cert: string;
  key: string;
}

export interface ClusterPki {
  /** CN kubernetes */
  ca: PemPair;
  /** CN front-proxy-ca */
  frontProxyCa: PemPair;
  /** CN etcd-ca */
  etcdCa: PemPair;
  serviceAccount: { key: string; pub: string };
  /** Client cert signed by ca: CN kubernetes-admin, O kubeadm:cluster-admins, clientAuth. */
  admin: PemPair;
}
