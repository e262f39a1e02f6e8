// A joining node waits for the cluster's API server instead of failing: the init node may
// still be installing, and there is no right number of tries. "Up" means a TLS handshake
// verified against the cluster CA from the bundle: that both proves the endpoint is this
// cluster's and that it answers HTTP (/readyz may be 401/403 to anonymous callers). How
// often a waiting node probes is probe-cadence.ts's business, not the kubeadm backoff's.
import { API_WAIT_STARTED } from './milestones.ts';
import type { PhaseContext } from './phase.ts';
import { ProbeCadence } from './probe-cadence.ts';

const CONNECT_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;

function splitEndpoint(endpoint: string): { host: string; port: number; url: string } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(endpoint);
  const host = match?.[1] ?? match?.[2] ?? endpoint;
  const port = Number(match?.[3] ?? 6443);
  return { host, port, url: `https://${endpoint}/readyz` };
}

async function probe(ctx: PhaseContext): Promise<string | undefined> {
  const { host, port, url } = splitEndpoint(ctx.bundle.cluster.controlPlaneEndpoint);
  if (!(await ctx.host.tcpConnect(host, port, CONNECT_TIMEOUT_MS)))
    return `nothing accepts TCP connections on ${host}:${port} yet`;
  const answer = await ctx.host.httpsGet(url, ctx.bundle.cluster.caCertificate, REQUEST_TIMEOUT_MS);
  return answer.ok ? undefined : `GET ${url} failed: ${answer.reason}`;
}

/**
 * Returns when the endpoint answers, with the time it answered (the caller records it
 * together with what it does next, in one write). `spread`: the node has just started
 * (not a retry after a failed join), so its first probe waits a random moment and nodes
 * booted together do not all probe at once.
 */
export async function waitForApiServer(ctx: PhaseContext, options: { spread: boolean }): Promise<Date> {
  const endpoint = ctx.bundle.cluster.controlPlaneEndpoint;
  const started = ctx.host.now().getTime();
  await ctx.mark({ [API_WAIT_STARTED]: new Date(started) });
  const cadence = new ProbeCadence(ctx.host.retryBaseDelayMs);
  let nextProbe = started + (options.spread ? cadence.first() : 0);
  let lastReason: string | undefined;
  for (;;) {
    const wait = nextProbe - ctx.host.now().getTime();
    if (wait > 0) await ctx.host.sleep(wait);
    // Gaps run from the start of one probe to the start of the next, so a probe that
    // times out does not stretch the gap past what the cadence promises.
    const probeStarted = ctx.host.now().getTime();
    const reason = await probe(ctx);
    if (reason === undefined) break;
    // One line per change of reason, not per try: a long wait stays readable.
    if (reason !== lastReason) ctx.log.info(`waiting for the API server at ${endpoint}: ${reason}`);
    lastReason = reason;
    nextProbe = probeStarted + cadence.next();
  }
  const answered = ctx.host.now();
  const waited = (answered.getTime() - started) / 1000;
  ctx.log.info(
    `the API server at ${endpoint} answers over TLS verified with the cluster CA${lastReason ? ` (after ${waited.toFixed(1)} s)` : ''}`,
  );
  return answered;
}
