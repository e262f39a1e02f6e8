// `kubeseed generate`: spec in; state (created once, then reused) and node outputs out.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KubeseedError } from '../bootstrap/errors.ts';
import { sha256Hex, systemdUnits } from '../templates/index.ts';
import type { Platform } from './carriers/size-budgets.ts';
import type { PodNetworkTemplate } from './node-bundle.ts';
import { renderOutputs, type NodeReport } from './outputs.ts';
import type { ClusterSpec } from './spec/types.ts';
import { loadOrCreateState } from './state/store.ts';
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

/** The agent's unit as shipped, checked against the catalogue before a carrier installs it. */
function agentUnit(): string {
  const entry = systemdUnits['kubeseed-boot']!;
  const text = readFileSync(new URL(`../templates/${entry.file}`, import.meta.url), 'utf8');
  if (sha256Hex(text) !== entry.sha256) {
    throw new KubeseedError('io', `templates/${entry.file} does not match its sha256 in templates/index.json; reinstall kubeseed`);
  }
  return text;
}

export async function generate(spec: ClusterSpec, options: GenerateOptions): Promise<GenerateResult> {
  const stateDir = resolve(options.stateDir ?? resolve(options.outDir, 'state'));
  const { state, created } = await loadOrCreateState(stateDir, spec, options.now);
  const outputs = renderOutputs({
    spec,
    state,
    podNetwork: options.podNetwork,
    agentUnit: agentUnit(),
    ...(options.platform ? { platform: options.platform } : {}),
  });
  writeOutputs(options.outDir, outputs.files);
  return { stateDir, createdState: created, nodes: outputs.nodes };
}
