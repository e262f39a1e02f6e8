// Where each piece of cluster state lives in the state directory. The pki/ names are
// kubeadm's own (/etc/kubernetes/pki), so control-plane files ship under the same names.
import type { ClusterPki } from '../pki/types.ts';

export const STATE_DIRS = ['pki', 'pki/etcd'] as const;

export const STATE_FILES = [
  'cluster.yaml',
  'pki/ca.crt',
  'pki/ca.key',
  'pki/front-proxy-ca.crt',
  'pki/front-proxy-ca.key',
  'pki/etcd/ca.crt',
  'pki/etcd/ca.key',
  'pki/sa.key',
  'pki/sa.pub',
  'pki/admin.crt',
  'pki/admin.key',
  'token',
] as const;

export type StateFile = (typeof STATE_FILES)[number];
export type StateFiles = Record<StateFile, string>;

/** Files whose contents would let a reader impersonate the cluster or join it. */
export const SECRET_FILES: ReadonlySet<StateFile> = new Set<StateFile>([
  'pki/ca.key',
  'pki/front-proxy-ca.key',
  'pki/etcd/ca.key',
  'pki/sa.key',
  'pki/admin.key',
  'token',
]);

type PkiFile = Exclude<StateFile, 'cluster.yaml' | 'token'>;

export function pkiToFiles(pki: ClusterPki): Record<PkiFile, string> {
  return {
    'pki/ca.crt': pki.ca.cert,
    'pki/ca.key': pki.ca.key,
    'pki/front-proxy-ca.crt': pki.frontProxyCa.cert,
    'pki/front-proxy-ca.key': pki.frontProxyCa.key,
    'pki/etcd/ca.crt': pki.etcdCa.cert,
    'pki/etcd/ca.key': pki.etcdCa.key,
    'pki/sa.key': pki.serviceAccount.key,
    'pki/sa.pub': pki.serviceAccount.pub,
    'pki/admin.crt': pki.admin.cert,
    'pki/admin.key': pki.admin.key,
  };
}

export function pkiFromFiles(files: StateFiles): ClusterPki {
  return {
    ca: { cert: files['pki/ca.crt'], key: files['pki/ca.key'] },
    frontProxyCa: { cert: files['pki/front-proxy-ca.crt'], key: files['pki/front-proxy-ca.key'] },
    etcdCa: { cert: files['pki/etcd/ca.crt'], key: files['pki/etcd/ca.key'] },
    serviceAccount: { key: files['pki/sa.key'], pub: files['pki/sa.pub'] },
    admin: { cert: files['pki/admin.crt'], key: files['pki/admin.key'] },
  };
}
