// `kubeseed generate`: spec in; state (created once, then reused) and node outputs out.
// Everything is made and checked before anything shows: the state in memory, every output
// written out of sight as it renders (write-outputs.ts) and checked against the platform;
// only then is the state saved and the outputs put in place, so a failure leaves the disk
// as it was. Nodes added to the spec after the first run get a fresh bootstrap token,
// registered in the running cluster before anything shows: when it cannot be reached,
// nothing does.
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemdUnits } from '../templates/index.ts';
import type { Platform } from './carriers/size-budgets.ts';
import { registerTokens } from './cluster-api/bootstrap-tokens.ts';
import { connectToCluster } from './cluster-api/connect.ts';
import { caExpiryWarning } from './day-two/ca-expiry-warning.ts';
import { planNodeTokens } from './day-two/node-token-plan.ts';
import { expiredTokenWarnings } from './day-two/token-expiry-warnings.ts';
import type { PodNetworkTemplate } from './node-bundle.ts';
import { FILES_PER_NODE, type NodeReport, type OutputLayout, renderOutputs } from './outputs.ts';
import { readPinnedTemplate } from './pinned-template.ts';
import type { ClusterSpec } from './spec/types.ts';
import { type NodeTokenRecord, readNodeTokens, renderNodeTokens, writeNodeTokens } from './state/node-tokens.ts';
import { persistState, prepareState } from './state/store.ts';
import { OutputWriter } from './write-outputs.ts';

export interface GenerateOptions {
  outDir: string;
  stateDir?: string;
  platform?: Platform;
  layout?: OutputLayout;
  podNetwork: PodNetworkTemplate;
  now: Date;
  /** Nodes to give a new token even though they were generated before. */
  freshTokens?: readonly string[];
  /** How long to wait for the controller manager to sign cluster-info for a new token. */
  signatureTimeoutMs?: number;
}

export interface GenerateResult {
  stateDir: string;
  createdState: boolean;
  nodes: NodeReport[];
  /** Nodes that got a new token registered in the cluster on this run. */
  addedTokens: Array<{ node: string; tokenId: string; expires?: Date }>;
  warnings: string[];
}

const SIGNATURE_TIMEOUT_MS = 120_000;
const SIGNATURE_POLL_MS = 1_000;
/** Warnings only: a cluster that is down must not hold up generate for long. */
const WARNING_TIMEOUT_MS = 5_000;

export async function generate(spec: ClusterSpec, options: GenerateOptions): Promise<GenerateResult> {
  const stateDir = resolve(options.stateDir ?? resolve(options.outDir, 'state'));
  // Files are written as they render, out of sight until commit: a fleet's outputs are
  // never all held in memory, and a failure anywhere below leaves the outputs as they were.
  // Made first, so that its thread starts while the state is prepared.
  const writer = new OutputWriter(options.outDir, {
    expectedFiles: options.layout === 'json' ? 0 : spec.nodes.length * FILES_PER_NODE,
  });
  const { state, created, plan, nodes } = await renderAndRecord(spec, options, stateDir, writer).catch(
    async (error: unknown) => {
      await writer.abort();
      throw error;
    },
  );
  await writer.commit();
  const warnings = created
    ? []
    : await expiredTokenWarnings({
        spec,
        state,
        record: plan.record,
        now: options.now,
        connect: () => connectToCluster(spec, state, options.now, { timeoutMs: WARNING_TIMEOUT_MS }),
      });
  const caWarning = caExpiryWarning(state.pki.ca.cert, options.now);
  if (caWarning) warnings.push(caWarning);
  return {
    stateDir,
    createdState: created,
    nodes,
    addedTokens: plan.added.map(({ node, token, expires }) => ({
      node,
      tokenId: token.id,
      ...(expires ? { expires } : {}),
    })),
    warnings,
  };
}

/** Everything before the outputs show: the state, the node outputs into `writer`, new tokens registered, the records saved. */
async function renderAndRecord(spec: ClusterSpec, options: GenerateOptions, stateDir: string, writer: OutputWriter) {
  const { state, created } = await prepareState(stateDir, spec, options.now);
  const stored = created ? undefined : await readNodeTokens(stateDir);
  // A state made before nodes.yaml existed: every node the spec names now is taken as generated.
  const previous = created ? undefined : (stored ?? initialRecord(spec));
  const plan = planNodeTokens(spec, previous, { now: options.now, freshTokens: options.freshTokens ?? [] });
  const nodes = renderOutputs(
    {
      spec,
      state,
      podNetwork: options.podNetwork,
      agentUnit: readPinnedTemplate(systemdUnits['kubeseed-boot']!),
      ...(options.platform ? { platform: options.platform } : {}),
      nodeTokens: plan.record.nodes,
      ...(options.layout ? { layout: options.layout } : {}),
    },
    (file) => writer.write(file),
  );
  if (plan.added.length > 0) {
    const api = await connectToCluster(spec, state, options.now);
    await registerTokens(
      api,
      plan.added.map(({ node, token, expires }) => ({
        token,
        ...(expires ? { expires } : {}),
        description: `kubeseed: bootstrap token for node ${node}`,
      })),
      {
        timeoutMs: options.signatureTimeoutMs ?? SIGNATURE_TIMEOUT_MS,
        pollMs: SIGNATURE_POLL_MS,
        sleep: (ms) => sleep(ms),
        now: () => Date.now(),
      },
    );
  }
  if (created) await persistState(stateDir, state, options.now);
  // The record before the outputs: a crash in between leaves outputs that the next run
  // rewrites from the record, never a node whose token the record does not know.
  if (!stored || renderNodeTokens(stored) !== renderNodeTokens(plan.record)) {
    await writeNodeTokens(stateDir, plan.record);
  }
  return { state, created, plan, nodes };
}

function initialRecord(spec: ClusterSpec): NodeTokenRecord {
  return {
    initNode: spec.nodes.find((node) => node.bootstrap === 'init')!.name,
    nodes: Object.fromEntries(spec.nodes.map((node) => [node.name, { kind: 'initial' as const }])),
  };
}
