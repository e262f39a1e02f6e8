// A joining node waits for the cluster's API server instead of failing: the init node may
// still be installing, and there is no right number of tries. "Up" means a TLS handshake
// verified against the cluster CA from the bundle: that both proves the endpoint is this
// cluster's and that it answers HTTP (/readyz may be 401/403 to anonymous callers).
import { Backoff } from './backoff.ts';
import type { PhaseContext } from './phase.ts';

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

export async function waitForApiServer(ctx: PhaseContext): Promise<void> {
  const endpoint = ctx.bundle.cluster.controlPlaneEndpoint;
  const started = ctx.host.now().getTime();
  const backoff = new Backoff(ctx.host.retryBaseDelayMs);
  let lastReason: string | undefined;
  for (;;) {
    const reason = await probe(ctx);
    if (reason === undefined) break;
    // One line per change of reason, not per try: a long wait stays readable.
    if (reason !== lastReason) ctx.log.info(`waiting for the API server at ${endpoint}: ${reason}`);
    lastReason = reason;
    await ctx.host.sleep(backoff.next());
  }
  const waited = (ctx.host.now().getTime() - started) / 1000;
  ctx.log.info(
    `the API server at ${endpoint} answers over TLS verified with the cluster CA${lastReason ? ` (after ${waited.toFixed(1)} s)` : ''}`,
  );
}
