// The preflight phase in-process, against a temporary root: a clock in the past makes it
// wait (a fake Host clock that advances on sleep), and unfit machines are refused with
// every problem named.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../bootstrap/cli.ts';
import { notBefore } from '../../bootstrap/clock.ts';
import { needing } from '../helpers/tools.ts';
import {
  AGENT_TOOLS,
  CapturingHost,
  cleanup,
  type Fixture,
  type MachineOptions,
  makeBundle,
  makeFixture,
  makePki,
  state,
  tempDir,
} from './helpers.ts';

const test = needing(suite('agent: preflight'), { tools: AGENT_TOOLS });
test.after(cleanup);

/** A clock that only moves when the agent sleeps. */
class FakeClockHost extends CapturingHost {
  sleeps = 0;

  constructor(
    fixture: Fixture,
    env: NodeJS.ProcessEnv,
    private time: number,
  ) {
    super(fixture, env);
  }

  override now(): Date {
    return new Date(this.time);
  }

  override async sleep(ms: number): Promise<void> {
    this.sleeps += 1;
    this.time += ms;
  }
}

function hostFor(fixture: Fixture, time: number, env: NodeJS.ProcessEnv = {}): FakeClockHost {
  return new FakeClockHost(fixture, env, time);
}

test('a clock before the CA notBefore (a Pi without RTC) → preflight waits, re-checking through the Host, then passes', async () => {
  const fixture = makeFixture(makeBundle('init'));
  const caValidFrom = notBefore(makePki().caCert).getTime();
  const host = hostFor(fixture, caValidFrom - 60 * 60_000);
  const code = await runCli(['phase', 'preflight'], host);
  const output = host.output;
  assert.is(code, 0, output);
  assert.ok(host.sleeps >= 10, `slept ${host.sleeps} times`);
  assert.ok(host.now().getTime() >= caValidFrom);
  assert.is(output.match(/waiting for time sync/g)?.length, 1, 'one clear line, not one per check');
  assert.match(
    output,
    /WARN preflight the clock says \S+, before the cluster CA became valid \(\S+\): waiting for time sync \(NTP\)/,
  );
  assert.match(output, /INFO preflight the clock is sane now/);
  assert.is(state(fixture).phases.preflight?.status, 'done');
});

test('an unfit machine (its stand-in kubeadm package 1.32) → every preflight problem named at once, phase failed', async () => {
  const machine: MachineOptions = {
    kernelArch: 'aarch64',
    cpus: 1,
    memoryKb: 1_000_000,
    cgroupControllers: 'cpuset cpu io pids',
    kubeadmVersion: '1.32.4',
  };
  const fixture = makeFixture(makeBundle('init'), machine);
  const host = hostFor(fixture, Date.now());
  const code = await runCli(['run'], host);
  const output = host.output;
  assert.is(code, 1);
  assert.match(output, /error: this machine cannot become node cp-1 \(5 problems\)/);
  assert.match(output, /arch: this machine is aarch64, the bundle is for amd64/);
  assert.match(output, /cpus: a control plane needs at least 2 CPUs; this machine has 1/);
  assert.match(output, /memory: a control plane needs at least 1700 MiB of memory; this machine has 976 MiB/);
  assert.match(
    output,
    /kubeadm: kubeadm v1\.32\.4 cannot install Kubernetes 1\.33\.2: the machine image needs kubeadm 1\.33\.x/,
  );
  assert.match(output, /cgroups: the memory cgroup controller is off/);
  assert.is(state(fixture).phases.preflight?.status, 'failed');
  assert.is(state(fixture).phases.host, undefined, 'nothing ran after preflight');
});

test('missing tools and cgroup v1 → named, stand-in kubeadm version not attempted', async () => {
  const fixture = makeFixture(makeBundle('init'), { cgroupControllers: null });
  const host = hostFor(fixture, Date.now(), { PATH: tempDir('kubeseed-empty-path-') });
  const code = await runCli(['phase', 'preflight'], host);
  const output = host.output;
  assert.is(code, 1);
  assert.match(output, /executables: not found on PATH: kubeadm, kubelet, containerd, ctr, kubectl, nft/);
  assert.match(output, /cgroups: \/sys\/fs\/cgroup\/cgroup\.controllers is missing: the kubelet needs cgroup v2/);
  assert.not.match(output, /running kubeadm version/);
});

test.run();
