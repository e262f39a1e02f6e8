// A NoCloud seed image: an ISO 9660 volume labelled `cidata` holding user-data, meta-data
// and network-config at its root, which cloud-init finds on any attached drive (a VM's
// second disk or CD-ROM, a USB stick): what `cloud-localds` makes, without genisoimage.
import { writeIso9660 } from './iso9660.ts';
import { NOCLOUD_FILES, type NodeOutputs } from './node-outputs.ts';

// cloud-init looks for LABEL=cidata and LABEL=CIDATA; lowercase is what cloud-localds writes.
export const SEED_VOLUME_ID = 'cidata';

export function buildSeedIso(node: NodeOutputs): Buffer {
  return writeIso9660({
    volumeId: SEED_VOLUME_ID,
    files: NOCLOUD_FILES.map((name) => ({ name, content: node.files[name] })),
  });
}
