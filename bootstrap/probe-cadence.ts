// Waiting for a server that is coming up is not backing off from a failing command. A
// probe is cheap (a TCP connect, then one TLS handshake) and what matters is noticing "up"
// soon without flooding a control plane that is just starting, so probes keep a steady
// random cadence instead of slowing down: a gap of 4–7 × the base delay (4–7 s on a
// machine), drawn afresh each time.
// - Load: one probe per 5.5 s per node on average (the bound is one per 5 s).
// - Convergence: no gap is longer than 7 s, so a node probes within 7 s of the server
//   answering and starts kubeadm join within 10 s, however long it had waited; the 3 s
//   left are for the probe itself (a TLS handshake with a server that has just started)
//   and for starting kubeadm.
// - Spread: the first probe comes at a random moment of the first 4 s and every gap is
//   random, so nodes that boot in the same second do not probe in the same second, and
//   drift further apart with every probe.
const MIN_GAP = 4;
const MAX_GAP = 7;

export class ProbeCadence {
  constructor(
    private readonly baseMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** Delay of the first probe of a node that has just started waiting. */
  first(): number {
    return Math.round(this.random() * MIN_GAP * this.baseMs);
  }

  /** Time from the start of one probe to the start of the next. */
  next(): number {
    return Math.round((MIN_GAP + this.random() * (MAX_GAP - MIN_GAP)) * this.baseMs);
  }
}
