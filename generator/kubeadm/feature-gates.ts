// kubeadm's own feature gates (ClusterConfiguration.featureGates) per supported minor.
// kubeadm refuses a key it does not list ("<name> is not a valid feature name.", validation.go
// ValidateFeatureGates), deprecated gates included in the list: so a gate a later minor
// removed makes `kubeadm init` fail. Upstream: cmd/kubeadm/app/features/features.go, not read
// at the release tags; the set per minor is from each minor's release notes (pull requests
// named) and the kubernetes.io kubeadm-init tables (1.34 edition, 1.36 edition).
import type { Choice } from './schema.ts';

export const KUBEADM_FEATURE_GATES: readonly Choice[] = [
  {
    value: 'ControlPlaneKubeletLocalMode',
    removedIn: '1.36',
    evidence: 'added alpha in 1.31 (PR #125582), GA in 1.35 (PR #134106), removed in 1.36 (PR #135773)',
  },
  {
    value: 'EtcdLearnerMode',
    removedIn: '1.33',
    evidence: 'GA in 1.32 (PR #126374), removed in 1.33 (PR #129589)',
  },
  {
    value: 'NodeLocalCRISocket',
    since: '1.32',
    evidence: 'added alpha in 1.32 (PR #128031), beta in 1.34 (PR #131981), GA in 1.36 (PR #135742)',
  },
  { value: 'PublicKeysECDSA', evidence: 'deprecated through 1.36; removed in 1.37 (PR #136016)' },
  { value: 'RootlessControlPlane', evidence: 'deprecated in 1.31 (PR #124997); still listed in the 1.36 table' },
  {
    value: 'WaitForAllControlPlaneComponents',
    removedIn: '1.35',
    evidence: 'beta in 1.33 (PR #129620), GA in 1.34 (PR #132594), removed in 1.35 (PR #134781)',
  },
];
