// How a machine gets containerd, kubeadm, kubelet and kubectl, and where from: declared once
// for both the cluster spec (cluster.yaml) and the node bundle the agent's install phase reads.
import { httpUrl } from './formats.ts';
import { object, oneOf, string } from './schema.ts';

/**
 * `stock` images install everything at first boot (the agent's install phase); `prepared`
 * images carry it already (install-agent, kubernetesSysext, an air-gapped site's image).
 */
export const MACHINE_IMAGES = ['stock', 'prepared'] as const;
export type MachineImage = (typeof MACHINE_IMAGES)[number];

/** OpenPGP v4 (40 hex digits) or v6 (64) fingerprints, as the agent computes them. */
export const FINGERPRINT = /^(?:[0-9A-F]{40}|[0-9A-F]{64})$/;

/** Spaces and lower case allowed, as `gpg --show-keys` prints a fingerprint; read to 40 uppercase hex digits. */
const keyFingerprint = string().map((text, at) => {
  const fingerprint = text.replace(/\s+/g, '').toUpperCase();
  return FINGERPRINT.test(fingerprint)
    ? fingerprint
    : at.fail('is not an OpenPGP fingerprint: 40 hex digits, as `gpg --show-keys Release.key` prints it');
});

/** A site's mirror of pkgs.k8s.io, in its layout, and the fingerprint of the key it signs with. */
export const packageRepository = object({
  /** The base under which each minor has its repositories: `${url}v1.34/deb/`, `${url}v1.34/rpm/`. */
  url: httpUrl('https://mirror.example.com/core:/stable:/ (a mirror of https://pkgs.k8s.io/core:/stable:/)'),
  keyFingerprint,
});

/** A mirror of GitHub's release downloads, for containerd's and runc's release files. */
export const releaseMirror = httpUrl('https://mirror.example.com/ (a mirror of https://github.com/)');

export const installSettings = object({
  machineImage: oneOf(MACHINE_IMAGES),
  /** A site's mirror of the Kubernetes package repositories, instead of pkgs.k8s.io. */
  packageRepository: packageRepository.orAbsent(),
  /** Where containerd's and runc's release files are fetched in GitHub's layout, instead of https://github.com/. */
  releaseMirror: releaseMirror.orAbsent(),
});
