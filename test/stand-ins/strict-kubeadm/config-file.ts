// How kubeadm reads a --config file for one command (cmd/kubeadm/app/util/config: the
// document map, then strict decoding of each document it takes, then defaulting and
// validation), for the kubeadm version installed on the machine. Unknown fields are errors
// here as in `kubeadm config validate`: `kubeadm init` itself only warns and drops them, so
// a misspelled field would be a setting silently lost.
import { parseAllDocuments } from 'yaml';
import { checkDocument, documentType } from '../../../generator/kubeadm/documents.ts';
import type { Minor } from '../../../generator/kubeadm/upstream.ts';
import {
  type Doc,
  validateClusterConfiguration,
  validateComponentConsistency,
  validateInitConfiguration,
  validateJoinConfiguration,
} from './validate.ts';

export type Command = 'init' | 'join' | 'images';

export interface KubeadmVersion {
  /** As `kubeadm version -o short` prints it, e.g. v1.31.0. */
  text: string;
  minor: Minor;
  major: number;
  minorNumber: number;
}

export interface LoadedConfig {
  errors: string[];
  warnings: string[];
  documents: Doc[];
  cluster?: Doc;
}

const KUBEADM_GROUP = 'kubeadm.k8s.io/';
const VERSION = /^v?(\d+)\.(\d+)\.(\d+)$/;

function parse(text: string, errors: string[]): Doc[] {
  const documents: Doc[] = [];
  // go-yaml (YAML 1.1), as sigs.k8s.io/yaml reads it; a duplicate key is a strict-decoding error.
  for (const [index, document] of parseAllDocuments(text, { version: '1.1', uniqueKeys: true }).entries()) {
    for (const error of document.errors) {
      const where = error.linePos ? ` line ${error.linePos[0].line}` : '';
      errors.push(`error converting YAML to JSON: document ${index + 1}${where}: ${error.code}`);
    }
    if (document.errors.length > 0) continue;
    const value = document.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value) || !('apiVersion' in value) || !('kind' in value)) {
      errors.push(
        `document ${index + 1}: invalid configuration: kind and apiVersion is mandatory information that must be specified`,
      );
      continue;
    }
    documents.push(value as Doc);
  }
  return documents;
}

/** The kinds a command takes; kubeadm skips the others with a warning (join) or refuses them (init). */
function takes(command: Command, doc: Doc): boolean {
  if (command === 'join') return doc.kind === 'JoinConfiguration';
  return doc.kind !== 'JoinConfiguration' && doc.kind !== 'ResetConfiguration';
}

/** NormalizeKubernetesVersion: a control plane older than kubeadm's minor − 1 is refused. */
function checkKubernetesVersion(cluster: Doc, kubeadm: KubeadmVersion, result: LoadedConfig): void {
  const version = cluster.kubernetesVersion as unknown;
  if (version === undefined) {
    result.errors.push(
      'ClusterConfiguration.kubernetesVersion: Required value: without it kubeadm looks the stable release up over the network, which an air-gapped node cannot',
    );
    return;
  }
  const match = typeof version === 'string' ? VERSION.exec(version) : null;
  if (!match || typeof version !== 'string') {
    result.errors.push(
      `ClusterConfiguration.kubernetesVersion: Invalid value: ${JSON.stringify(version)}: not a release version`,
    );
    return;
  }
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major !== kubeadm.major || minor < kubeadm.minorNumber - 1)
    result.errors.push(
      `this version of kubeadm only supports deploying clusters with the control plane version >= ${kubeadm.major}.${kubeadm.minorNumber - 1}.0. Current version: ${version}`,
    );
  else if (minor > kubeadm.minorNumber)
    result.warnings.push(
      `[preflight] WARNING KubernetesVersion: Kubernetes version is greater than kubeadm version. Please consider to upgrade kubeadm. Kubernetes version: ${version.replace(/^v/, '')}. Kubeadm version: ${kubeadm.major}.${kubeadm.minorNumber}.x`,
    );
}

function checkOnce(documents: Doc[], result: LoadedConfig): void {
  const seen = new Set<string>();
  for (const doc of documents) {
    if (seen.has(doc.kind))
      result.errors.push(`invalid configuration: kind "${doc.kind}" is specified twice in YAML file`);
    seen.add(doc.kind);
  }
}

/** Everything kubeadm `kubeadm` would report loading `text` for `command`; no errors means it would go on. */
export function loadConfig(text: string, command: Command, kubeadm: KubeadmVersion): LoadedConfig {
  const result: LoadedConfig = { errors: [], warnings: [], documents: [] };
  const all = parse(text, result.errors);
  for (const doc of all) {
    if (typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string' || !documentType(doc.apiVersion, doc.kind)) {
      if (command === 'join' && !String(doc.apiVersion).startsWith(KUBEADM_GROUP)) {
        result.warnings.push(
          `[config] WARNING: Ignored YAML document with GroupVersionKind ${doc.apiVersion}, Kind=${doc.kind}`,
        );
        continue;
      }
      result.errors.push(`no kind "${doc.kind}" is registered for version "${doc.apiVersion}" in scheme`);
      continue;
    }
    if (!takes(command, doc)) {
      result.warnings.push(
        `[config] WARNING: Ignored configuration document with GroupVersionKind ${doc.apiVersion}, Kind=${doc.kind}`,
      );
      continue;
    }
    result.documents.push(doc);
  }
  checkOnce(result.documents, result);
  for (const doc of result.documents)
    for (const problem of checkDocument(doc, kubeadm.minor))
      result.errors.push(
        `error unmarshaling configuration ${doc.apiVersion}, Kind=${doc.kind}: strict decoding error: ${problem}`,
      );
  if (result.errors.length > 0) return result;

  const byKind = (kind: string) => result.documents.find((doc) => doc.kind === kind);
  if (command === 'join') {
    const join = byKind('JoinConfiguration');
    if (!join) result.errors.push('no JoinConfiguration kind was found in the YAML file');
    else result.errors.push(...validateJoinConfiguration(join).map((error) => `JoinConfiguration.${error}`));
    return result;
  }
  const init = byKind('InitConfiguration');
  const cluster = byKind('ClusterConfiguration');
  if (!init && !cluster) {
    result.errors.push('no InitConfiguration or ClusterConfiguration kind was found in the YAML file');
    return result;
  }
  if (init) result.errors.push(...validateInitConfiguration(init).map((error) => `InitConfiguration.${error}`));
  const clusterConfig: Doc = cluster ?? {};
  result.cluster = clusterConfig;
  result.errors.push(...validateClusterConfiguration(clusterConfig).map((error) => `ClusterConfiguration.${error}`));
  checkKubernetesVersion(clusterConfig, kubeadm, result);
  const components = result.documents.filter(
    (doc) => doc.apiVersion && !String(doc.apiVersion).startsWith(KUBEADM_GROUP),
  );
  result.errors.push(...validateComponentConsistency(clusterConfig, components));
  return result;
}
