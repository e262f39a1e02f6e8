// The agent's phases in order. `run`, `status` and `phase NAME` all walk this list;
// adding a phase is one file and one entry. The bundle is loaded and validated before the
// first of them (load-bundle.ts), so nothing is written before it is valid. install puts on a
// stock image what preflight then checks for.
import type { Phase } from './phase.ts';
import { addons } from './phases/addons.ts';
import { finish } from './phases/finish.ts';
import { host } from './phases/host.ts';
import { images } from './phases/images.ts';
import { install } from './phases/install.ts';
import { kubeVip } from './phases/kube-vip.ts';
import { kubeadm } from './phases/kubeadm.ts';
import { maintenance } from './phases/maintenance.ts';
import { metadataGuard } from './phases/metadata-guard.ts';
import { pki } from './phases/pki.ts';
import { preflight } from './phases/preflight.ts';
import { runtime } from './phases/runtime.ts';
import { superAdmin } from './phases/super-admin.ts';

export const PHASES: readonly Phase[] = [
  install,
  preflight,
  host,
  metadataGuard,
  runtime,
  images,
  pki,
  kubeVip,
  kubeadm,
  superAdmin,
  addons,
  maintenance,
  finish,
];
