// The convergence scenario, shared by test/bootstrap/convergence.test.ts and
// bench/convergence.ts: N worker agents, each in its own temporary root with the stand-in
// kubeadm, run `kubeseed-boot phase kubeadm` in one process on virtual time
// (simulated-time.ts) and wait for one TLS API stand-in that starts listening `waitMs` after
// they all started waiting. Nothing listens before that: the agents' connection attempts
// are counted where they are made (the Host); the stand-in counts the TLS handshakes it
// completes once it listens.
import { createServer as createHttpsServer, type Server } from 'node:https';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { runCli } from '../../bootstrap/cli.ts';
import { control, type Fixture, freePort, makeBundle, makeFixture, makePki, startApiServer } from './helpers.ts';
import { SimulatedHost, SimulatedTime } from './simulated-time.ts';

export interface ConvergenceOptions {
  nodes: number;
  /** How long after the agents start the stand-in API starts listening (virtual ms). */
  waitMs: number;
  /** Stand-in kubeadm rules applied to every node (test/stand-ins/lib.sh), e.g. not-ready failures. */
  kubeadmRules?: string[];
  /** What the stand-in kubeadm prints for a plain `fail` rule. */
  kubeadmStderr?: string;
}

export interface NodeOutcome {
  fixture: Fixture;
  host: SimulatedHost;
  code: number;
}

export interface ConvergenceResult {
  startedAt: number;
  listeningAt: number;
  nodes: NodeOutcome[];
  /** Virtual times of the TLS handshakes the stand-in completed. */
  handshakes: number[];
}

async function listenAt(time: SimulatedTime, at: number, port: number, handshakes: number[]): Promise<Server> {
  await time.sleep(at - time.now());
  const pki = makePki();
  const { server } = await startApiServer(pki.serverCert, pki.serverKey, port);
  server.on('secureConnection', () => handshakes.push(time.now()));
  return server;
}

export async function runConvergence(options: ConvergenceOptions): Promise<ConvergenceResult> {
  const time = new SimulatedTime();
  const port = await freePort();
  const bundle = makeBundle('worker', { apiPort: port });
  const startedAt = time.now();
  const listeningAt = startedAt + options.waitMs;
  const handshakes: number[] = [];
  const outcomes = Array.from({ length: options.nodes }, () => {
    const fixture = makeFixture(bundle);
    if (options.kubeadmRules) control(fixture, 'kubeadm', options.kubeadmRules, options.kubeadmStderr);
    return { fixture, host: new SimulatedHost(fixture, time), code: -1 };
  });
  const server = time.flow(() => listenAt(time, listeningAt, port, handshakes));
  try {
    await Promise.all(
      outcomes.map((outcome) =>
        time.flow(async () => {
          outcome.code = await runCli(['phase', 'kubeadm'], outcome.host);
        }),
      ),
    );
  } finally {
    (await server).close();
  }
  return { startedAt, listeningAt, nodes: outcomes, handshakes };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The most events in any window of `windowMs` (events sorted or not). */
export function peakInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start += 1;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}

export interface ConvergenceFigures {
  nodes: number;
  /** From "listening" to each node's first `kubeadm join` call, seconds. */
  maxJoinS: number;
  medianJoinS: number;
  /** Connection attempts of all nodes per second of the wait, and per node. */
  attemptsPerS: number;
  attemptsPerNodePerS: number;
  /** The most connection attempts in any one second of the wait, as a share of the nodes. */
  peakAttemptsInOneS: number;
  /** TLS handshakes the stand-in completed per second, from listening until the last join call. */
  handshakesPerS: number;
}

export function convergenceFigures(result: ConvergenceResult): ConvergenceFigures {
  const joins = result.nodes.map(({ host }) => {
    const first = host.joinCalls[0];
    if (first === undefined) throw new Error(`a node never called kubeadm join:\n${host.output}`);
    return (first - result.listeningAt) / 1000;
  });
  const waitS = (result.listeningAt - result.startedAt) / 1000;
  const attempts = result.nodes.flatMap(({ host }) => host.connectAttempts.filter((at) => at < result.listeningAt));
  const lastJoin = Math.max(...joins);
  return {
    nodes: result.nodes.length,
    maxJoinS: lastJoin,
    medianJoinS: median(joins),
    attemptsPerS: attempts.length / waitS,
    attemptsPerNodePerS: attempts.length / waitS / result.nodes.length,
    peakAttemptsInOneS: peakInWindow(attempts, 1000),
    handshakesPerS: result.handshakes.filter((at) => at <= result.listeningAt + lastJoin * 1000).length / lastJoin,
  };
}

/**
 * A stand-in control-plane endpoint for whole processes, on one port from the start: until
 * `answer()` it accepts TCP and then drops the connection, as a load balancer or a
 * kube-vip address in front of an API server that is not serving yet does; from then on
 * it is the TLS API stand-in. Unlike a closed port, this lets it count what the waiting
 * agents send: every TLS ClientHello (a handshake attempt) and every bare TCP probe.
 */
export interface StagedEndpoint {
  port: number;
  /** Real times (Date.now()) of handshake attempts dropped before answer(). */
  droppedHandshakes: number[];
  /** Real times of connections closed by the client without sending anything (TCP probes). */
  tcpProbes: number[];
  /** Real times of TLS handshakes completed after answer(). */
  handshakes: number[];
  answer(): number;
  close(): Promise<void>;
}

export async function startStagedEndpoint(): Promise<StagedEndpoint> {
  const pki = makePki();
  // Never listens itself: the raw server hands it connections once it answers.
  const tlsServer = createHttpsServer({ cert: pki.serverCert, key: pki.serverKey }, (_request, response) => {
    response.writeHead(403, { 'content-type': 'application/json' });
    response.end('{"kind":"Status","status":"Failure","code":403}');
  });
  const endpoint = {
    droppedHandshakes: [] as number[],
    tcpProbes: [] as number[],
    handshakes: [] as number[],
    answering: false,
  };
  tlsServer.on('secureConnection', () => endpoint.handshakes.push(Date.now()));
  const raw = createNetServer((socket) => {
    if (endpoint.answering) {
      tlsServer.emit('connection', socket);
      return;
    }
    let sent = false;
    socket.once('data', () => {
      sent = true;
      endpoint.droppedHandshakes.push(Date.now());
      socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (!sent) endpoint.tcpProbes.push(Date.now());
    });
  });
  await new Promise<void>((listening) => raw.listen(0, '127.0.0.1', listening));
  return {
    port: (raw.address() as AddressInfo).port,
    droppedHandshakes: endpoint.droppedHandshakes,
    tcpProbes: endpoint.tcpProbes,
    handshakes: endpoint.handshakes,
    answer() {
      endpoint.answering = true;
      return Date.now();
    },
    close: () =>
      new Promise((closed) => {
        raw.close(() => closed());
        raw.unref();
      }),
  };
}
