// Checks for the agent's images phase: after the import, is every required image in
// containerd? Names are compared the way containerd files them (docker.io/library/ added,
// `latest` for a bare name, a digest standing for the image whatever the tag), so
// `pause:3.10` and `docker.io/library/pause:3.10` are one image.
import { SHA256_DIGEST } from '../core/formats.ts';
import { containerdName, type ImageReference, parseReference } from '../core/image-reference.ts';

const TABLE_HEADER = /^REF\s+TYPE\s+DIGEST\b/;

// ctr lists whatever names images were given, including ones no registry reference parses.
function tryParse(reference: string): ImageReference | undefined {
  try {
    return parseReference(reference);
  } catch {
    return undefined;
  }
}

/**
 * The names in `ctr -n k8s.io images ls -q` output, one per line. The full table
 * (`ctr images ls` without -q) works too and is better when an image is required by
 * digest: each row then also yields `<repository>@<digest>`.
 */
export function parseCtrImagesList(stdout: string): string[] {
  const lines = stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length === 0 || !TABLE_HEADER.test(lines[0]!)) return lines;
  return lines.slice(1).flatMap((line) => {
    const [name, , digest] = line.split(/\s+/);
    if (!name) return [];
    const image = tryParse(name);
    return image && digest && SHA256_DIGEST.test(digest)
      ? [name, `${image.registry}/${image.repository}@${digest}`]
      : [name];
  });
}

/**
 * The entries of `required` that nothing in `present` satisfies, as they were written.
 * A required image with a digest is satisfied only by that digest; one with a tag, by
 * the same repository and tag.
 */
export function missingImages(required: readonly string[], present: readonly string[]): string[] {
  const have = new Set(
    present.flatMap((name) => {
      const image = tryParse(name);
      return image ? [containerdName(image)] : [];
    }),
  );
  return [...new Set(required)].filter((reference) => !have.has(containerdName(parseReference(reference))));
}
