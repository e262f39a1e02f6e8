// Work that waits out the network: each failed try is logged and recorded (so `status` shows
// why the phase is still running), then tried again after capped, jittered backoff. Whatever
// the attempt throws (a checksum or signature that does not match) ends the phase instead.
import { Backoff } from './backoff.ts';
import type { PhaseContext } from './phase.ts';

export type Attempt<T> = { done: true; value: T } | { done: false; reason: string };

export async function retrying<T>(ctx: PhaseContext, attempt: () => Promise<Attempt<T>>): Promise<T> {
  const backoff = new Backoff(ctx.host.retryBaseDelayMs);
  for (;;) {
    const result = await attempt();
    if (result.done) return result.value;
    const delay = backoff.next();
    ctx.log.warn(`${result.reason}; trying again in ${(delay / 1000).toFixed(1)} s`);
    await ctx.retrying(result.reason);
    await ctx.host.sleep(delay);
  }
}
