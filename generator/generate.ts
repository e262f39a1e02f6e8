// `kubeseed generate`: spec in; state (created once, then reused) and node outputs out.
// Everything is made and checked in memory first (the state, every output, their fit on
// the platform); only then is anything written, so a failure leaves the disk as it was.
import { resolve } from 'node:path';
import { systemdUnits } from '../templates/index.ts';
import type { Platform } from './carriers/size-budgets.ts';
import type { PodNetworkTemplate } from './node-bundle.ts';
import { type NodeReport, renderOutputs } from './outputs.ts';
import { readPinnedTemplate } from './pinned-template.ts';
import type { ClusterSpec } from './spec/types.ts';
import { persistState, prepareState } from './state/store.ts';
import { writeOutputs } from './write-outputs.ts';

export interface GenerateOptions {
  outDir: string;
  stateDir?: string;
  platform?: Platform;
  podNetwork: PodNetworkTemplate;
  now: Date;
}

export interface GenerateResult {
  stateDir: string;
  createdState: boolean;
  nodes: NodeReport[];
}

export async function generate(spec: ClusterSpec, options: GenerateOptions): Promise<GenerateResult> {
  const stateDir = resolve(options.stateDir ?? resolve(options.outDir, 'state'));
  const { state, created } = await prepareState(stateDir, spec, options.now);
  const outputs = renderOutputs({
    spec,
    state,
    podNetwork: options.podNetwork,
    agentUnit: readPinnedTemplate(systemdUnits['kubeseed-boot']!),
    ...(options.platform ? { platform: options.platform } : {}),
  });
  if (created) await persistState(stateDir, state, options.now);
  await writeOutputs(options.outDir, outputs.files);
  return { stateDir, createdState: created, nodes: outputs.nodes };
}
