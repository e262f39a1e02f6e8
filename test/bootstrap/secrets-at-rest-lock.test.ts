// One agent at a time (issue 12): two `kubeseed-boot run` started together on one machine
// (the real agent, two child processes, stand-in kubeadm): exactly one runs kubeadm, the
// other stops at once naming the holder, and a holder that dies leaves no stale lock.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needing } from '../helpers/tools.ts';
import {
  AGENT_TOOLS,
  type AgentResult,
  cleanup,
  commands,
  control,
  type Fixture,
  isHanging,
  killGroup,
  makeBundle,
  makeFixture,
  runAgent,
  startAgent,
  waitFor,
} from './helpers.ts';

const test = needing(suite('agent: one at a time (stand-in kubeadm)'), { tools: AGENT_TOOLS });
test.after(cleanup);

const DEADLINE_MS = 60_000;

function kubeadmInits(fixture: Fixture): string[] {
  return commands(fixture).filter((line) => line.startsWith('kubeadm init'));
}

/** Whichever of the two ends first, and which one that was. */
async function firstToEnd(
  a: Promise<AgentResult>,
  b: Promise<AgentResult>,
): Promise<{ index: 0 | 1; result: AgentResult }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`neither agent ended within ${DEADLINE_MS / 1000} s`)), DEADLINE_MS);
  });
  try {
    return await Promise.race([
      a.then((result) => ({ index: 0 as const, result })),
      b.then((result) => ({ index: 1 as const, result })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

test('two `run` started together: one runs stand-in kubeadm, the other stops at once naming it', async () => {
  const fixture = makeFixture(makeBundle('init'));
  // The winner stays inside `kubeadm init` until it is killed, so both are alive together.
  control(fixture, 'kubeadm', ['hang 1 init']);
  const agents = [startAgent(fixture, ['run']), startAgent(fixture, ['run'])];
  try {
    const { index, result: loser } = await firstToEnd(agents[0]!.done, agents[1]!.done);
    const winner = agents[1 - index]!;
    assert.is(loser.code, 1, `the second agent's stderr: ${loser.stderr}`);
    assert.match(
      loser.stderr,
      `error: another kubeseed-boot is already at work on this machine: pid ${winner.child.pid} (\`kubeseed-boot run\`, since `,
    );
    assert.is(loser.stdout, '', 'the second agent logged nothing: it stopped before reading anything');
    assert.ok(
      await waitFor(() => isHanging(fixture), DEADLINE_MS, 20),
      `the first agent never reached kubeadm init; commands: ${commands(fixture).join(' | ')}`,
    );
    assert.is(winner.child.exitCode, null, 'the first agent is still at work');
    assert.equal(kubeadmInits(fixture), ['kubeadm init --config /etc/kubeseed/kubeadm.yaml']);
  } finally {
    for (const agent of agents) killGroup(agent.child);
    await Promise.all(agents.map((agent) => agent.done));
  }

  // The holder died without releasing anything: the kernel freed the lock with it.
  const after = await runAgent(fixture, ['run']);
  assert.is(after.code, 0, after.stderr);
  assert.is(kubeadmInits(fixture).length, 2, 'one init per agent that held the lock, one after the other');
});

test('while a run holds the lock: `phase` and `reset` stop at once, `status` still answers', async () => {
  const fixture = makeFixture(makeBundle('init'));
  control(fixture, 'kubeadm', ['hang 1 init']);
  const holder = startAgent(fixture, ['run']);
  try {
    assert.ok(await waitFor(() => isHanging(fixture), DEADLINE_MS, 20), 'the run never reached kubeadm init');
    for (const args of [['phase', 'kubeadm'], ['reset']]) {
      const refused = await runAgent(fixture, args);
      assert.is(refused.code, 1, `${args.join(' ')}: ${refused.stderr}`);
      assert.match(refused.stderr, `pid ${holder.child.pid} (\`kubeseed-boot run\`, since `);
    }
    const status = await runAgent(fixture, ['status']);
    assert.is(status.code, 0, status.stderr);
    assert.match(status.stdout, /^kubeadm\s+running\s+1 /m);
    assert.is(kubeadmInits(fixture).length, 1);
    assert.not.ok(
      commands(fixture).some((line) => line.startsWith('kubeadm reset')),
      'the refused reset ran no kubeadm reset',
    );
  } finally {
    killGroup(holder.child);
    await holder.done;
  }
});

test.run();
