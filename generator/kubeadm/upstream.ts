// Where each described Go type was read, per supported Kubernetes minor. The staging
// repositories (kubernetes/kubelet, kube-proxy, api, component-base) carry a tag per
// release, v0.<minor>.0 for Kubernetes v1.<minor>.0, and their files were read and diffed
// at every one of those tags. kubeadm's own files live only in kubernetes/kubernetes, read
// at one commit of the 1.31 line; what later minors changed comes from each minor's
// curated release notes (kubernetes/sig-release releases/release-1.<minor>/release-notes/),
// cited on the field it concerns.

/** The Kubernetes minors kubeseed supports, oldest first. */
export const MINORS = ['1.31', '1.32', '1.33', '1.34', '1.35', '1.36'] as const;
export type Minor = (typeof MINORS)[number];

export function isMinor(value: string): value is Minor {
  return (MINORS as readonly string[]).includes(value);
}

/** Orders two minors: negative when `a` is older. */
export function compareMinors(a: Minor, b: Minor): number {
  return MINORS.indexOf(a) - MINORS.indexOf(b);
}

export interface UpstreamFile {
  repo: string;
  path: string;
  /** The git ref the file was read at for a minor: a release tag where there is one. */
  ref(minor: Minor): string;
}

/** A file of a staging repository, read at the tag of each minor's .0 release. */
function staged(repo: string, path: string): UpstreamFile {
  return { repo, path, ref: (minor) => `v0.${minor.split('.')[1]}.0` };
}

/** A kubeadm file, read at one commit; later minors' changes are cited per field. */
function kubeadmFile(path: string, commit: string, line: string): UpstreamFile {
  return {
    repo: 'kubernetes/kubernetes',
    path,
    ref: (minor) =>
      minor === '1.31' ? `${commit} (${line})` : `${commit} (${line}) + release-${minor} notes (sig-release e8dfc805)`,
  };
}

export const KUBEADM_V1BETA4_TYPES = kubeadmFile(
  'cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go',
  '1329935739c3aa007d23cb9a4dadfee9d59ff79b',
  '1.31 line',
);
export const BOOTSTRAP_TOKEN_V1_TYPES = kubeadmFile(
  'cmd/kubeadm/app/apis/bootstraptoken/v1/types.go',
  '1329935739c3aa007d23cb9a4dadfee9d59ff79b',
  '1.31 line',
);
export const KUBELET_V1BETA1_TYPES = staged('kubernetes/kubelet', 'config/v1beta1/types.go');
export const KUBE_PROXY_V1ALPHA1_TYPES = staged('kubernetes/kube-proxy', 'config/v1alpha1/types.go');
export const CORE_V1_TYPES = staged('kubernetes/api', 'core/v1/types.go');
export const LOGS_V1_TYPES = staged('kubernetes/component-base', 'logs/api/v1/types.go');
export const TRACING_V1_TYPES = staged('kubernetes/component-base', 'tracing/api/v1/types.go');
export const COMPONENT_BASE_CONFIG_TYPES = staged('kubernetes/component-base', 'config/v1alpha1/types.go');

export function cite(file: UpstreamFile, minor: Minor): string {
  return `${file.repo} ${file.path} @ ${file.ref(minor)}`;
}
