// Checks that a complete state directory still describes one consistent cluster before
// any of it is reused: a wrong or mismatched CA would only show much later, as nodes that
// cannot join or certificates nobody trusts.
import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import type { Problem } from '../../core/errors.ts';
import { keyAlgorithmOf } from '../pki/algorithms.ts';
import type { ClusterSpec } from '../spec/types.ts';
import { type BootstrapToken, parseBootstrapToken } from '../tokens/bootstrap-token.ts';
import type { StateFile, StateFiles } from './layout.ts';
import { parseMetadata, type StateMetadata } from './metadata.ts';

const CA_FILES = [
  ['pki/ca.crt', 'pki/ca.key'],
  ['pki/front-proxy-ca.crt', 'pki/front-proxy-ca.key'],
  ['pki/etcd/ca.crt', 'pki/etcd/ca.key'],
] as const;

export interface ValidState {
  metadata: StateMetadata;
  token: BootstrapToken;
}

export function validateState(
  dir: string,
  files: StateFiles,
  spec: ClusterSpec,
): { state?: ValidState; problems: Problem[] } {
  const problems: Problem[] = [];
  const path = (file: StateFile) => join(dir, file);
  const damaged = (file: StateFile, what: string) =>
    problems.push({
      path: path(file),
      message: `${what}; restore ${dir} from its backup (a new CA means re-provisioning every node)`,
    });

  const { metadata, problems: metadataProblems } = parseMetadata(files['cluster.yaml'], path('cluster.yaml'));
  problems.push(...metadataProblems);
  if (metadata && metadata.clusterName !== spec.name) {
    problems.push({
      path: path('cluster.yaml'),
      message: `clusterName: this state belongs to cluster "${metadata.clusterName}" but the spec names "${spec.name}"; use the state directory of "${spec.name}", or a new empty one`,
    });
  }
  if (metadata && metadata.algorithm !== spec.pki.algorithm) {
    problems.push({
      path: path('cluster.yaml'),
      message: `algorithm: the state's keys are ${metadata.algorithm} but the spec's pki.algorithm is ${spec.pki.algorithm}; a cluster cannot change algorithm: set pki.algorithm: ${metadata.algorithm}, or use a new empty state directory`,
    });
  }

  const certificate = (file: StateFile): X509Certificate | undefined => {
    try {
      return new X509Certificate(files[file]);
    } catch {
      damaged(file, 'is not a PEM certificate');
      return undefined;
    }
  };
  const privateKey = (file: StateFile): KeyObject | undefined => {
    try {
      const key = createPrivateKey(files[file]);
      const algorithm = keyAlgorithmOf(key);
      if (metadata && algorithm !== metadata.algorithm) {
        damaged(file, `holds a ${algorithm ?? 'foreign'} key but cluster.yaml records ${metadata.algorithm}`);
      }
      return key;
    } catch {
      damaged(file, 'is not an unencrypted PEM private key');
      return undefined;
    }
  };
  const pair = (certFile: StateFile, keyFile: StateFile) => {
    const cert = certificate(certFile);
    const key = privateKey(keyFile);
    if (cert && key && !cert.checkPrivateKey(key)) damaged(keyFile, `does not match ${certFile}`);
    return cert;
  };

  const cas = CA_FILES.map(([certFile, keyFile]) => {
    const cert = pair(certFile, keyFile);
    if (cert && !cert.ca) damaged(certFile, 'is not a CA certificate (basicConstraints CA:TRUE is missing)');
    return cert;
  });

  const clusterCa = cas[0];
  const admin = pair('pki/admin.crt', 'pki/admin.key');
  if (admin && clusterCa && !(admin.checkIssued(clusterCa) && admin.verify(clusterCa.publicKey))) {
    damaged('pki/admin.crt', 'is not signed by pki/ca.crt');
  }

  const saKey = privateKey('pki/sa.key');
  let saPub: KeyObject | undefined;
  try {
    saPub = createPublicKey(files['pki/sa.pub']);
  } catch {
    damaged('pki/sa.pub', 'is not a PEM public key');
  }
  if (saKey && saPub && !spki(createPublicKey(saKey)).equals(spki(saPub))) {
    damaged('pki/sa.pub', 'is not the public half of pki/sa.key');
  }

  const tokenText = files.token.endsWith('\n') ? files.token.slice(0, -1) : files.token;
  const token = parseBootstrapToken(tokenText);
  // Never echo the file: it may hold most of a valid secret.
  if (!token) damaged('token', 'is not a bootstrap token of the form [a-z0-9]{6}.[a-z0-9]{16}');

  if (problems.length > 0 || !metadata || !token) return { problems };
  return { state: { metadata, token }, problems };
}

function spki(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}
