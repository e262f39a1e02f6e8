// An air-gap image archive (from `kubeseed images archive`) baked into the machine image,
// named by its path there and its sha256. Declared once for the cluster spec
// (imageArchives[]) and the node bundle (images.archives[]).
import { ABSOLUTE_PATH, sha256Hex } from './formats.ts';
import { type Infer, object, string } from './schema.ts';

export const archiveRef = object({
  path: string({ pattern: ABSOLUTE_PATH, expected: 'the absolute path of the archive on the machine' }),
  sha256: sha256Hex("64 lowercase hex digits (from the archive's .sha256 file)"),
});

export type ArchiveRef = Infer<typeof archiveRef>;
