// Crash safety: the agent (a child process) is SIGKILLed — with every command it started,
// as a power cut would — at each phase boundary and inside phases, then run again. Every
// time the machine must end in the same state as after one uninterrupted run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type NodeBundle, parseBundle } from '../../core/node-bundle.ts';
import { needing } from '../helpers/tools.ts';
import {
  AGENT_TOOLS,
  cleanup,
  commands,
  control,
  exists,
  type Fixture,
  file,
  isHanging,
  killGroup,
  makeBundle,
  makeFixture,
  makePki,
  runAgent,
  snapshot,
  startAgent,
  startApiServer,
  state,
  waitFor,
} from './helpers.ts';

const test = needing(suite('agent: crash safety'), { tools: AGENT_TOOLS });
test.after(cleanup);

const VOLATILE = [
  '/var/log/kubeseed-boot.log',
  '/var/lib/kubeseed/state.json',
  '/var/lib/kubeseed/completed.json',
  '/etc/kubeseed/node.yaml',
];

interface EndState {
  files: Record<string, string>;
  statuses: Record<string, string>;
  completed: Record<string, string>;
  /** The scrubbed bundle, but for when it was scrubbed. */
  bundle: Omit<NodeBundle, 'scrubbedAt'>;
}

function endState(fixture: Fixture): EndState {
  const recorded = state(fixture);
  const { completedAt, ...completed } = JSON.parse(file(fixture, '/var/lib/kubeseed/completed.json')) as Record<
    string,
    string
  >;
  assert.is(completedAt, recorded.completedAt);
  const { scrubbedAt, ...bundle } = parseBundle(file(fixture, '/etc/kubeseed/node.yaml'));
  assert.ok(scrubbedAt, 'the bundle was scrubbed');
  return {
    bundle,
    files: snapshot(fixture.root, VOLATILE),
    statuses: Object.fromEntries(Object.entries(recorded.phases).map(([name, record]) => [name, record.status])),
    completed,
  };
}

interface Scenario {
  name: string;
  /** Arms the fixture's stand-ins, if the kill happens inside a command. */
  arm?: (fixture: Fixture) => void;
  /** True once the agent is where it should die. */
  killWhen: (fixture: Fixture) => () => boolean;
  pollMs?: number;
  /** How many times `kubeadm init|join` should have been started, the killed try included. */
  kubeadmRuns?: number;
  /** Whether the rerun must `kubeadm reset -f` what the killed try left. */
  resets?: boolean;
  /**
   * True when the kill landed later than the scenario is about: polling the state file is
   * not a lock step, and on a busy machine the agent can run on past the boundary before
   * the kill lands. Such a try is thrown away and the scenario run again on a fresh root.
   */
  overshot?: (fixture: Fixture) => boolean;
}

const KUBEADM_RUN = /^kubeadm (init|join) /;
const BEFORE_KUBEADM = ['load', 'preflight', 'host', 'runtime', 'images', 'pki'];
/** Tries per scenario before a kill that keeps landing too late fails the test. */
const TRIES = 5;

function phaseDone(phase: string): Scenario {
  return {
    name: `after phase ${phase} is recorded done`,
    // Killed after kubeadm had started, the rerun would rightly run it again: another scenario.
    ...(BEFORE_KUBEADM.includes(phase)
      ? { overshot: (fixture: Fixture) => commands(fixture).some((line) => KUBEADM_RUN.test(line)) }
      : {}),
    killWhen: (fixture) => () => {
      try {
        return state(fixture).phases[phase]?.status === 'done';
      } catch {
        return false;
      }
    },
  };
}

/** The bundle is valid and the agent has written its first state record. */
const bundleLoaded: Scenario = {
  name: 'after the bundle is loaded',
  killWhen: (fixture) => () => exists(fixture, '/var/lib/kubeseed/state.json'),
};

function hangIn(tool: string, match: string, action = 'hang'): Scenario {
  return {
    name: `while stand-in ${tool} (${match}) ${action === 'hang' ? 'hangs' : 'hangs after doing its work'}`,
    arm: (fixture) => control(fixture, tool, [`${action} 1 ${match}`]),
    killWhen: (fixture) => () => isHanging(fixture),
    pollMs: 10,
  };
}

async function crashAndRerun(
  scenario: Scenario,
  role: 'init' | 'worker',
  apiPort?: number,
): Promise<{ fixture: Fixture; end: EndState }> {
  let fixture: Fixture | undefined;
  const late: string[] = [];
  for (let attempt = 1; fixture === undefined; attempt++) {
    const candidate = makeFixture(makeBundle(role, apiPort === undefined ? {} : { apiPort }));
    scenario.arm?.(candidate);
    const { child, done } = startAgent(candidate, ['run']);
    const reached = await waitFor(scenario.killWhen(candidate), undefined, scenario.pollMs);
    killGroup(child);
    const killed = await done;
    assert.ok(reached, `${scenario.name}: the agent never got there:\n${killed.stdout}${killed.stderr}`);
    if (killed.signal !== 'SIGKILL') late.push('the agent finished before the kill');
    else if (scenario.overshot?.(candidate)) late.push(`the kill landed after: ${commands(candidate).at(-1)}`);
    else fixture = candidate;
    if (fixture === undefined && attempt === TRIES)
      assert.unreachable(`${scenario.name}: in ${TRIES} tries the kill never landed in time: ${late.join('; ')}`);
  }
  if (late.length > 0) console.log(`  ${scenario.name}: ${late.length} late kill(s) thrown away: ${late.join('; ')}`);
  const rerun = await runAgent(fixture, ['run']);
  assert.is(rerun.code, 0, `${scenario.name}: the rerun failed:\n${rerun.stdout}${rerun.stderr}`);
  const ran = commands(fixture);
  const kubeadmRuns = ran.filter((line) => KUBEADM_RUN.test(line)).length;
  assert.is(kubeadmRuns, scenario.kubeadmRuns ?? 1, `${scenario.name}: kubeadm init/join runs`);
  assert.is(ran.includes('kubeadm reset -f'), scenario.resets ?? false, `${scenario.name}: kubeadm reset -f`);
  return { fixture, end: endState(fixture) };
}

/** Scenarios run a few at a time: each is two agent processes that mostly wait. */
async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

let reference: EndState | undefined;

async function referenceState(): Promise<EndState> {
  if (reference) return reference;
  const fixture = makeFixture(makeBundle('init'));
  const result = await runAgent(fixture, ['run']);
  assert.is(result.code, 0, result.stderr);
  reference = endState(fixture);
  return reference;
}

test('init node: SIGKILL at every phase boundary, then rerun → the same end state', async () => {
  const expected = await referenceState();
  const scenarios = [
    bundleLoaded,
    ...['install', 'preflight', 'host', 'runtime', 'images', 'pki', 'kubeadm', 'addons'].map(phaseDone),
  ];
  await inBatches(scenarios, 4, async (scenario) => {
    const { end } = await crashAndRerun(scenario, 'init');
    assert.equal(end, expected, scenario.name);
  });
});

// One command in each phase that runs any (in the host phase: the last, after the fstab edit).
test('init node: SIGKILL while a stand-in command hangs inside each phase, then rerun → the same end state', async () => {
  const expected = await referenceState();
  const scenarios: Scenario[] = [
    hangIn('kubeadm', 'version'),
    hangIn('hostname', 'cp-1'),
    hangIn('systemctl', 'restart'),
    hangIn('ctr', 'import'),
    { ...hangIn('kubeadm', 'init'), kubeadmRuns: 2 },
    { ...hangIn('kubectl', 'apply'), kubeadmRuns: 1 },
    // kubeadm init finished its work but the agent died before recording it: the rerun must reset first.
    { ...hangIn('kubeadm', 'init', 'hang-after'), kubeadmRuns: 2, resets: true },
  ];
  await inBatches(scenarios, 4, async (scenario) => {
    const { end } = await crashAndRerun(scenario, 'init');
    assert.equal(end, expected, scenario.name);
  });
});

test('init node: killed while writing the final state record (simulated) → the rerun completes it, no temp file left', async () => {
  const expected = await referenceState();
  const fixture = makeFixture(makeBundle('init'));
  assert.is((await runAgent(fixture, ['run'])).code, 0);
  const recorded = state(fixture);
  recorded.phases.finish!.status = 'running';
  writeFileSync(join(fixture.root, 'var/lib/kubeseed/state.json'), JSON.stringify(recorded));
  writeFileSync(join(fixture.root, 'var/lib/kubeseed/state.json.kubeseed-tmp'), '{"version": 1, "pha');
  const rerun = await runAgent(fixture, ['run']);
  assert.is(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stdout, /WARN finish was interrupted; running it again/);
  assert.equal(endState(fixture), expected);
});

test('worker: SIGKILL after stand-in kubeadm join did its work → rerun resets, joins again, same end state', async () => {
  const pki = makePki();
  const api = await startApiServer(pki.serverCert, pki.serverKey);
  try {
    const fixture = makeFixture(makeBundle('worker', { apiPort: api.port }));
    assert.is((await runAgent(fixture, ['run'])).code, 0);
    const expected = endState(fixture);
    const { end, fixture: crashed } = await crashAndRerun(
      { ...hangIn('kubeadm', 'join', 'hang-after'), kubeadmRuns: 2, resets: true },
      'worker',
      api.port,
    );
    assert.equal(end, expected);
    const ran = commands(crashed);
    assert.ok(
      ran.lastIndexOf('kubeadm reset -f') < ran.lastIndexOf(`kubeadm join --config /etc/kubeseed/kubeadm.yaml`),
    );
  } finally {
    api.server.close();
  }
});

test.run();
