// Capped exponential backoff with jitter: nodes that fail together (a control plane
// still starting) do not retry in lockstep, and no retry waits longer than 30 s.

const MAX_CAP_MS = 30_000;

export class Backoff {
  private attempt = 0;
  private readonly capMs: number;

  constructor(
    private readonly baseMs: number,
    private readonly random: () => number = Math.random,
    capMs = baseMs * 30,
  ) {
    this.capMs = Math.min(MAX_CAP_MS, capMs);
  }

  /** The next delay: half of the exponential ceiling fixed, half random. */
  next(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }
}
