// Control-plane maintenance on the machine: the certificate-renewal and etcd-snapshot
// timers (checked by systemd-analyze), their commands against stand-in kubeadm and crictl
// for certificates that expire in 10 and in 200 days, the snapshot rotation,
// `reset` leaving the cluster for good, and the timers' commands waiting for the agent
// lock and skipping a node that is not bootstrapped or has left.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { renewalCalendar } from '../../bootstrap/maintenance/config.ts';
import { maintenanceUnits } from '../../bootstrap/maintenance/units.ts';
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
  mode,
  type RunningAgent,
  resumePaused,
  runAgent,
  startAgent,
  waitFor,
  waitForOutput,
} from './helpers.ts';

const test = needing(suite('day-two: control-plane maintenance (stand-in kubeadm, crictl, systemctl)'), {
  tools: [...AGENT_TOOLS, 'systemd-analyze'],
});

test.after(cleanup);

const TIMERS = ['kubeseed-cert-renewal.timer', 'kubeseed-etcd-snapshot.timer'];
const UNITS = [
  'kubeseed-cert-renewal.service',
  'kubeseed-cert-renewal.timer',
  'kubeseed-etcd-snapshot.service',
  'kubeseed-etcd-snapshot.timer',
];

test('the timer units pass systemd-analyze verify; renewal slots differ between control planes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-timers-'));
  try {
    // verify insists that ExecStart's program exists: point it at a stand-in.
    const program = join(dir, 'kubeseed-boot');
    writeFileSync(program, '#!/bin/sh\n');
    chmodSync(program, 0o755);
    const units = maintenanceUnits(
      {
        criSocket: 'unix:///run/containerd/containerd.sock',
        certificateRenewal: { onCalendar: renewalCalendar(2), renewWithinDays: 30 },
        etcdSnapshots: { everyHours: 12, keep: 5 },
      },
      program,
    );
    assert.equal(Object.keys(units).sort(), UNITS);
    const paths = Object.entries(units).map(([name, text]) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    });
    const result = spawnSync('systemd-analyze', ['verify', ...paths], { encoding: 'utf8' });
    assert.is(`${result.stdout}${result.stderr}`, '');
    assert.is(result.status, 0);
    // A timer due at boot starts its command after the agent's unit, which then holds the lock first.
    for (const name of ['kubeseed-cert-renewal.service', 'kubeseed-etcd-snapshot.service'])
      assert.match(units[name]!, /^After=.*\bkubeseed-boot\.service\b/m);
    assert.match(units['kubeseed-cert-renewal.timer']!, /^OnCalendar=\*-\*-15 03:30:00$/m);
    assert.match(units['kubeseed-cert-renewal.timer']!, /^Persistent=true$/m);
    assert.match(units['kubeseed-etcd-snapshot.timer']!, /^OnUnitActiveSec=12h$/m);
    const slots = [0, 1, 2, 3, 4].map(renewalCalendar);
    assert.is(new Set(slots).size, 5);
    for (const slot of slots) {
      const calendar = spawnSync('systemd-analyze', ['calendar', slot], { encoding: 'utf8' });
      assert.is(calendar.status, 0, calendar.stderr);
    }
    const off = maintenanceUnits(
      {
        criSocket: 'unix:///run/containerd/containerd.sock',
        certificateRenewal: { onCalendar: renewalCalendar(0), renewWithinDays: 30 },
      },
      program,
    );
    assert.equal(Object.keys(off).sort(), ['kubeseed-cert-renewal.service', 'kubeseed-cert-renewal.timer']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A bootstrapped init node with its control-plane containers running (stand-in crictl's files). */
async function bootstrappedControlPlane(): Promise<Fixture> {
  const fixture = makeFixture(makeBundle('init'));
  const result = await runAgent(fixture, ['run']);
  assert.is(result.code, 0, result.stderr);
  const containers = join(fixture.root, 'run/stand-in-containers');
  mkdirSync(containers, { recursive: true });
  for (const name of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'])
    writeFileSync(join(containers, name), `${name}-0001\n`);
  // What kubeadm makes for etcd's liveness probe, used by the snapshot command.
  for (const name of ['healthcheck-client.crt', 'healthcheck-client.key'])
    writeFileSync(join(fixture.root, 'etc/kubernetes/pki/etcd', name), `stand-in ${name}\n`);
  return fixture;
}

function expiresIn(fixture: Fixture, days: number): void {
  writeFileSync(join(fixture.root, 'etc/kubernetes/pki/stand-in-residual-days'), `${days}\n`);
}

test('a control plane installs both timers after finish; a worker skips the phase', async () => {
  const fixture = await bootstrappedControlPlane();
  const calls = commands(fixture);
  assert.ok(calls.includes('systemctl daemon-reload'), calls.join('\n'));
  assert.ok(calls.includes(`systemctl enable --now ${TIMERS.join(' ')}`), calls.join('\n'));
  for (const unit of UNITS) assert.is(mode(fixture, `/etc/systemd/system/${unit}`), 0o644);
  assert.match(
    file(fixture, '/etc/systemd/system/kubeseed-cert-renewal.service'),
    /^ExecStart=\/usr\/local\/bin\/kubeseed-boot certs renew$/m,
  );
  const config = JSON.parse(file(fixture, '/etc/kubeseed/maintenance.json'));
  assert.equal(config.etcdSnapshots, { everyHours: 12, keep: 5 });
  assert.is(config.certificateRenewal.renewWithinDays, 30);
  const status = await runAgent(fixture, ['status']);
  assert.match(status.stdout, /^maintenance\s+done/m);
  assert.match(status.stdout, /^certificate check: not run yet$/m);

  const worker = makeFixture(makeBundle('worker'));
  const result = await runAgent(worker, ['phase', 'maintenance']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /maintenance skipped: does not apply to a worker node/);
  assert.not.ok(exists(worker, '/etc/systemd/system/kubeseed-cert-renewal.timer'));
});

test("the bundle's slot picks the renewal day; with snapshots off only the renewal timer is installed", async () => {
  const bundle = makeBundle('init');
  const fixture = makeFixture({ ...bundle, maintenance: { renewalSlot: 2 } });
  const result = await runAgent(fixture, ['run']);
  assert.is(result.code, 0, result.stderr);
  assert.ok(
    commands(fixture).includes('systemctl enable --now kubeseed-cert-renewal.timer'),
    commands(fixture).join('\n'),
  );
  assert.match(file(fixture, '/etc/systemd/system/kubeseed-cert-renewal.timer'), /^OnCalendar=\*-\*-15 03:30:00$/m);
  assert.not.ok(exists(fixture, '/etc/systemd/system/kubeseed-etcd-snapshot.timer'));
  assert.is(JSON.parse(file(fixture, '/etc/kubeseed/maintenance.json')).etcdSnapshots, undefined);
  assert.match(result.stdout, /etcd snapshots off/);
});

test('an agent installed in /opt/bin (the Ignition carrier, Flatcar) is what the timers run', async () => {
  const fixture = makeFixture(makeBundle('init'));
  mkdirSync(join(fixture.root, 'opt/bin'), { recursive: true });
  writeFileSync(join(fixture.root, 'opt/bin/kubeseed-boot'), '#!/bin/sh\n');
  chmodSync(join(fixture.root, 'opt/bin/kubeseed-boot'), 0o755);
  const result = await runAgent(fixture, ['run']);
  assert.is(result.code, 0, result.stderr);
  assert.match(
    file(fixture, '/etc/systemd/system/kubeseed-cert-renewal.service'),
    /^ExecStart=\/opt\/bin\/kubeseed-boot certs renew$/m,
  );
  assert.match(
    file(fixture, '/etc/systemd/system/kubeseed-etcd-snapshot.service'),
    /^ExecStart=\/opt\/bin\/kubeseed-boot etcd snapshot$/m,
  );
});

test('certificates that expire in 10 days: stand-in kubeadm renews all, the control plane restarts, status says renewed', async () => {
  const fixture = await bootstrappedControlPlane();
  expiresIn(fixture, 10);
  const before = commands(fixture).length;
  const result = await runAgent(fixture, ['certs', 'renew']);
  assert.is(result.code, 0, result.stderr);
  const calls = commands(fixture).slice(before);
  const socket = 'crictl --runtime-endpoint unix:///run/containerd/containerd.sock';
  assert.equal(calls.slice(0, 2), ['kubeadm certs check-expiration -o json', 'kubeadm certs renew all']);
  for (const name of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'])
    assert.ok(calls.includes(`${socket} stop ${name}-0001`), `${name} restarted:\n${calls.join('\n')}`);
  assert.is(calls.at(-1), 'kubeadm certs check-expiration -o json', 'checked again after the renewal');
  assert.match(result.stdout, /INFO certs renewing: admin\.conf, apiserver, .* expire within 30 days/);
  assert.match(result.stdout, /INFO certs restarted etcd/);
  assert.match(
    file(fixture, '/var/log/kubeseed-boot.log'),
    /renewed 11 certificate\(s\) and restarted the control plane/,
  );
  const status = await runAgent(fixture, ['status']);
  assert.match(status.stdout, /^certificate check: renewed at \S+: renewed 11 certificate\(s\)/m);
});

test('certificates that expire in 200 days: nothing is renewed or restarted', async () => {
  const fixture = await bootstrappedControlPlane();
  expiresIn(fixture, 200);
  const before = commands(fixture).length;
  const result = await runAgent(fixture, ['certs', 'renew']);
  assert.is(result.code, 0, result.stderr);
  assert.equal(commands(fixture).slice(before), ['kubeadm certs check-expiration -o json']);
  assert.match(result.stdout, /nothing expires within 30 days; admin\.conf expires first, at \S+ \(in 200 days\)/);
  const status = await runAgent(fixture, ['status']);
  assert.match(status.stdout, /^certificate check: not-due at /m);

  const table = await runAgent(fixture, ['certs']);
  assert.is(table.code, 0, table.stderr);
  assert.match(table.stdout, /^CERTIFICATE\s+EXPIRES\s+RESIDUAL TIME\s+CERTIFICATE AUTHORITY\s+EXTERNALLY MANAGED$/m);
  assert.match(table.stdout, /^apiserver-etcd-client\s+\S+\s+200d\s+etcd-ca\s+no$/m);
  assert.match(table.stdout, /^front-proxy-ca\s+\S+\s+10y\s+no$/m);
});

test('a failed renewal is reported in status and the journal, and exits 1', async () => {
  const fixture = await bootstrappedControlPlane();
  expiresIn(fixture, 10);
  writeFileSync(join(fixture.log, 'control', 'kubeadm'), 'fail 1 renew\n');
  const result = await runAgent(fixture, ['certs', 'renew']);
  assert.is(result.code, 1);
  assert.match(result.stdout, /ERROR certs certificate renewal failed: `kubeadm certs renew all` exited with code 1/);
  const status = await runAgent(fixture, ['status']);
  assert.match(status.stdout, /^certificate check: failed at /m);
});

test('etcd snapshot: taken inside the etcd container with the healthcheck client certificate, newest 5 kept, root-only', async () => {
  const fixture = await bootstrappedControlPlane();
  const dir = join(fixture.root, 'var/lib/kubeseed/etcd-snapshots');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const old = ['20260101T000000Z', '20260102T000000Z', '20260103T000000Z', '20260104T000000Z', '20260105T000000Z'];
  for (const stamp of old) writeFileSync(join(dir, `etcd-${stamp}.db`), 'old snapshot\n', { mode: 0o600 });
  writeFileSync(join(dir, 'notes.txt'), 'not a snapshot: kept\n');
  const before = commands(fixture).length;
  const result = await runAgent(fixture, ['etcd', 'snapshot']);
  assert.is(result.code, 0, result.stderr);
  const calls = commands(fixture).slice(before);
  assert.match(
    calls.find((call) => call.includes(' exec ')) ?? '',
    /exec etcd-0001 etcdctl --endpoints=https:\/\/127\.0\.0\.1:2379 --cacert=\/etc\/kubernetes\/pki\/etcd\/ca\.crt --cert=\/etc\/kubernetes\/pki\/etcd\/healthcheck-client\.crt --key=\/etc\/kubernetes\/pki\/etcd\/healthcheck-client\.key snapshot save \/var\/lib\/etcd\/kubeseed-snapshot\.db\.part$/,
  );
  const files = readdirSync(dir).sort();
  assert.is(files.length, 6, files.join(' '));
  assert.ok(files.includes('notes.txt'));
  assert.not.ok(files.includes('etcd-20260101T000000Z.db'), 'the oldest snapshot is gone');
  const fresh = files.find((name) => name.startsWith('etcd-2') && !old.some((stamp) => name.includes(stamp)))!;
  assert.match(fresh, /^etcd-\d{8}T\d{6}Z\.db$/);
  assert.is(statSync(join(dir, fresh)).mode & 0o777, 0o600);
  assert.is(statSync(dir).mode & 0o777, 0o700);
  assert.not.ok(exists(fixture, '/var/lib/etcd/kubeseed-snapshot.db.part'));
  const status = await runAgent(fixture, ['status']);
  assert.match(
    status.stdout,
    new RegExp(`^etcd snapshot: saved at \\S+: /var/lib/kubeseed/etcd-snapshots/${fresh}`, 'm'),
  );
});

test('reset leaves the cluster for good: timers disabled, CNI configuration and units gone, run does not join again', async () => {
  const fixture = await bootstrappedControlPlane();
  mkdirSync(join(fixture.root, 'etc/cni/net.d'), { recursive: true });
  writeFileSync(join(fixture.root, 'etc/cni/net.d/10-flannel.conflist'), '{}\n');
  const before = commands(fixture).length;
  const result = await runAgent(fixture, ['reset', '--iptables']);
  assert.is(result.code, 0, result.stderr);
  const calls = commands(fixture).slice(before);
  assert.is(calls[0], `systemctl disable --now ${TIMERS.join(' ')}`);
  assert.ok(calls.includes('kubeadm reset -f'));
  for (const expected of [
    'iptables -F',
    'iptables -t nat -F',
    'iptables -t mangle -F',
    'iptables -X',
    'ip6tables -F',
    'ipvsadm --clear',
  ])
    assert.ok(calls.includes(expected), `${expected}:\n${calls.join('\n')}`);
  for (const unit of UNITS) assert.not.ok(exists(fixture, `/etc/systemd/system/${unit}`), unit);
  assert.not.ok(exists(fixture, '/etc/cni/net.d/10-flannel.conflist'));
  assert.not.ok(exists(fixture, '/etc/kubeseed/maintenance.json'));
  assert.ok(exists(fixture, '/var/lib/kubeseed/reset.json'));

  const count = commands(fixture).length;
  const rerun = await runAgent(fixture, ['run']);
  assert.is(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stdout, /this machine left the cluster .*; not joining again/);
  assert.is(commands(fixture).length, count, 'no kubeadm, no other command');
  const status = await runAgent(fixture, ['status']);
  assert.match(status.stdout, /left the cluster \(`kubeseed-boot reset`\)/);

  const plain = await bootstrappedControlPlane();
  const plainReset = await runAgent(plain, ['reset']);
  assert.is(plainReset.code, 0, plainReset.stderr);
  assert.not.ok(
    commands(plain).some((call) => /^(iptables|ip6tables|ipvsadm) /.test(call)),
    'rules kept without --iptables',
  );
  const misuse = await runAgent(plain, ['status', '--iptables']);
  assert.is(misuse.code, 2);
});

const LOCK_DEADLINE_MS = 60_000;
/** The waiting command's base delay: its bounded wait (900 base delays) is then 90 s, not 4.5 s. */
const PATIENT = { KUBESEED_BOOT_RETRY_BASE_MS: '100' };

async function whileHeld(holder: RunningAgent, fixture: Fixture, what: string): Promise<void> {
  assert.ok(
    await waitFor(() => isHanging(fixture), LOCK_DEADLINE_MS, 20),
    `${what} never reached stand-in kubeadm; it printed:\n${holder.output()}`,
  );
}

test('the snapshot timer fires during a certificate renewal: `etcd snapshot` waits for the lock, then runs once the renewal has finished (stand-in kubeadm, crictl)', async () => {
  const fixture = await bootstrappedControlPlane();
  expiresIn(fixture, 10);
  control(fixture, 'kubeadm', ['pause 1 renew']);
  const holder = startAgent(fixture, ['certs', 'renew']);
  const agents = [holder];
  try {
    await whileHeld(holder, fixture, 'certs renew');
    const waiter = startAgent(fixture, ['etcd', 'snapshot'], PATIENT);
    agents.push(waiter);
    await waitForOutput(
      waiter,
      new RegExp(
        `INFO etcd waiting up to 90 s for pid ${holder.child.pid} \\(\`kubeseed-boot certs renew\`, since \\S+\\) to finish before the etcd snapshot`,
      ),
      LOCK_DEADLINE_MS,
    );
    assert.not.ok(
      commands(fixture).some((call) => call.includes(' exec ')),
      'no snapshot while the renewal holds the lock',
    );
    assert.is(waiter.child.exitCode, null, 'the snapshot is still waiting');
    resumePaused(fixture);
    const renewed = await holder.done;
    assert.is(renewed.code, 0, renewed.stderr);
    const snapshot = await waiter.done;
    assert.is(snapshot.code, 0, snapshot.stderr);
    assert.match(snapshot.stdout, /INFO etcd the other kubeseed-boot has finished; going on with the etcd snapshot/);
    const calls = commands(fixture);
    const exec = calls.findIndex((call) => / exec etcd-\S+ etcdctl /.test(call));
    assert.ok(
      exec > calls.lastIndexOf('kubeadm certs check-expiration -o json'),
      `the snapshot came after the renewal's last check:\n${calls.join('\n')}`,
    );
    const status = await runAgent(fixture, ['status']);
    assert.match(status.stdout, /^certificate check: renewed at /m);
    assert.match(status.stdout, /^etcd snapshot: saved at /m);
  } finally {
    for (const agent of agents) killGroup(agent.child);
    await Promise.all(agents.map((agent) => agent.done));
  }
});

test('the renewal timer fires during `reset`: `certs renew` waits, then skips the node that left, exits 0 and writes no record', async () => {
  const fixture = await bootstrappedControlPlane();
  expiresIn(fixture, 10);
  control(fixture, 'kubeadm', ['pause 1 reset']);
  const holder = startAgent(fixture, ['reset']);
  const agents = [holder];
  try {
    await whileHeld(holder, fixture, 'reset');
    const waiter = startAgent(fixture, ['certs', 'renew'], PATIENT);
    agents.push(waiter);
    await waitForOutput(
      waiter,
      new RegExp(`waiting up to 90 s for pid ${holder.child.pid} \\(\`kubeseed-boot reset\`, since `),
      LOCK_DEADLINE_MS,
    );
    resumePaused(fixture);
    const reset = await holder.done;
    assert.is(reset.code, 0, reset.stderr);
    const skipped = await waiter.done;
    assert.is(skipped.code, 0, skipped.stderr);
    assert.match(
      skipped.stdout,
      /INFO certs certificate check skipped: this machine left the cluster \(`kubeseed-boot reset`, \/var\/lib\/kubeseed\/reset\.json\)/,
    );
    assert.not.ok(
      commands(fixture).some((call) => call.startsWith('kubeadm certs')),
      commands(fixture).join('\n'),
    );
    assert.not.ok(
      exists(fixture, '/var/lib/kubeseed/maintenance.json'),
      'the skip wrote no record after reset removed it',
    );
  } finally {
    for (const agent of agents) killGroup(agent.child);
    await Promise.all(agents.map((agent) => agent.done));
  }
  const snapshot = await runAgent(fixture, ['etcd', 'snapshot']);
  assert.is(snapshot.code, 0, snapshot.stderr);
  assert.match(snapshot.stdout, /INFO etcd etcd snapshot skipped: this machine left the cluster/);
  assert.not.match(snapshot.stdout, /waiting/);
});

test("a control plane whose finish is not done: the timers' commands skip it and exit 0", async () => {
  const fixture = makeFixture(makeBundle('init'));
  const result = await runAgent(fixture, ['run', '--skip-phases', 'finish']);
  assert.is(result.code, 0, result.stderr);
  assert.ok(exists(fixture, '/etc/systemd/system/kubeseed-cert-renewal.timer'), 'the timers are installed');
  const before = commands(fixture).length;
  for (const [args, line] of [
    [['certs', 'renew'], 'INFO certs certificate check skipped'],
    [['etcd', 'snapshot'], 'INFO etcd etcd snapshot skipped'],
  ] as const) {
    const skipped = await runAgent(fixture, [...args]);
    assert.is(skipped.code, 0, skipped.stderr);
    assert.match(
      skipped.stdout,
      `${line}: this node is not bootstrapped yet (\`kubeseed-boot status\` shows how far it is)`,
    );
  }
  assert.is(commands(fixture).length, before, 'no kubeadm, no crictl');
});

test('a holder that stays past the bounded wait: `etcd snapshot` gives up naming it and exits 1', async () => {
  const fixture = await bootstrappedControlPlane();
  expiresIn(fixture, 10);
  control(fixture, 'kubeadm', ['pause 1 renew']);
  const holder = startAgent(fixture, ['certs', 'renew']);
  try {
    await whileHeld(holder, fixture, 'certs renew');
    // The fixture's base delay of 5 ms: a wait of 900 × 5 ms.
    const waiter = await runAgent(fixture, ['etcd', 'snapshot']);
    assert.is(waiter.code, 1);
    assert.match(waiter.stdout, /INFO etcd waiting up to 5 s for pid /);
    assert.match(
      waiter.stderr,
      `error: another kubeseed-boot still holds this machine after 5 s: pid ${holder.child.pid} (\`kubeseed-boot certs renew\`, since `,
    );
    assert.match(waiter.stderr, 'The etcd snapshot did not run; its timer tries again at the next slot');
    assert.not.ok(commands(fixture).some((call) => call.includes(' exec ')));
    assert.is(holder.child.exitCode, null, 'the renewal was left alone');
  } finally {
    killGroup(holder.child);
    await holder.done;
  }
});

test.run();
