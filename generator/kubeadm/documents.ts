// The document types a kubeadm --config file may hold, per supported minor, and the check
// every rendered document passes: what kubeadm's strict decoder (kubeadm config validate,
// cmd/kubeadm/app/util/config/strict) and the kubelet's and kube-proxy's would report.
import { KUBE_PROXY_API_VERSION, KUBEADM_API_VERSION, KUBELET_API_VERSION } from './api-versions.ts';
import { KUBE_PROXY_CONFIGURATION } from './kube-proxy-config-schema.ts';
import { KUBELET_CONFIGURATION } from './kubelet-config-schema.ts';
import { checkValue, type FieldProvenance, isMapping, type ObjectShape, object, provenance, str } from './schema.ts';
import type { Minor } from './upstream.ts';
import {
  CLUSTER_CONFIGURATION,
  INIT_CONFIGURATION,
  JOIN_CONFIGURATION,
  RESET_CONFIGURATION,
} from './v1beta4-schema.ts';

export interface DocumentType {
  apiVersion: string;
  kind: string;
  shape: ObjectShape;
}

/** v1beta4 and the component configs are known to every supported minor (1.31–1.36). */
export const DOCUMENT_TYPES: readonly DocumentType[] = [
  { apiVersion: KUBEADM_API_VERSION, kind: 'InitConfiguration', shape: INIT_CONFIGURATION },
  { apiVersion: KUBEADM_API_VERSION, kind: 'ClusterConfiguration', shape: CLUSTER_CONFIGURATION },
  { apiVersion: KUBEADM_API_VERSION, kind: 'JoinConfiguration', shape: JOIN_CONFIGURATION },
  { apiVersion: KUBEADM_API_VERSION, kind: 'ResetConfiguration', shape: RESET_CONFIGURATION },
  { apiVersion: KUBELET_API_VERSION, kind: 'KubeletConfiguration', shape: KUBELET_CONFIGURATION },
  { apiVersion: KUBE_PROXY_API_VERSION, kind: 'KubeProxyConfiguration', shape: KUBE_PROXY_CONFIGURATION },
];

export function documentType(apiVersion: string, kind: string): DocumentType | undefined {
  return DOCUMENT_TYPES.find((candidate) => candidate.apiVersion === apiVersion && candidate.kind === kind);
}

/**
 * Problems in one parsed config document as kubeadm `minor` decodes it, each `Kind.path: message`
 * (e.g. `InitConfiguration.nodeRegistration.kubeletExtraArgs[0].nme: unknown field`); empty when it fits.
 */
export function checkDocument(doc: unknown, minor: Minor): string[] {
  if (!isMapping(doc)) return ['(document): expected a mapping'];
  const { apiVersion, kind } = doc;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string')
    return ['(document): apiVersion and kind must be strings'];
  const type = documentType(apiVersion, kind);
  if (!type) return [`${kind}: no kind "${kind}" is registered for version "${apiVersion}"`];
  const shape = object(type.shape.goType, type.shape.source, { apiVersion: str(), kind: str(), ...type.shape.fields });
  return checkValue(doc, shape, kind, minor);
}

/** Every field of a document type in `minor`, with the upstream file and ref it was read at. */
export function documentProvenance(kind: string, minor: Minor): FieldProvenance[] {
  const type = DOCUMENT_TYPES.find((candidate) => candidate.kind === kind);
  return type ? provenance(type.shape, minor) : [];
}
