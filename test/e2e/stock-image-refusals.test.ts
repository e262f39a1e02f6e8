// What a stock machine refuses, and what it waits out (systemd-nspawn, one machine each, from
// the generated user-data alone): a repository signed by another key than the pinned one, a
// key whose fingerprint is not the pinned one, an agent whose sha512 is not the spec's — each
// with nothing half-installed and the reason where the user looks — and a mirror that is
// unreachable for a while and then comes back, which the install phase waits for.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needing } from '../helpers/tools.ts';
import { aptRepositories } from './apt-repository.ts';
import type { GuestResults } from './guest-results.ts';
import {
  AGENT_PATH,
  bootStockNspawn,
  prepareStock,
  REPOSITORY_PATH,
  type StockBoot,
  type StockRun,
  type StockScenario,
} from './stock-machine.ts';
import { NSPAWN_TOOLS, STOCK_TOOLS } from './tools.ts';
import { E2eWorkDir } from './work-dir.ts';

const SCENARIOS = {
  otherSigner: { node: 'signed-by-other', role: 'control-plane', repository: 'signed-by-other' },
  otherKey: { node: 'other-key', role: 'control-plane', servedKey: 'other' },
  wrongAgent: { node: 'wrong-agent', role: 'control-plane', wrongAgentSha512: true },
  outage: {
    node: 'outage',
    role: 'worker',
    drops: [
      { prefix: `${REPOSITORY_PATH}Release.key`, count: 2 },
      // More than apt's own three tries of a request: apt-get update fails, and the agent tries it again.
      { prefix: `${REPOSITORY_PATH}InRelease`, count: 8 },
    ],
  },
} satisfies Record<string, StockScenario>;

type Name = keyof typeof SCENARIOS;
interface Outcome {
  run: StockRun;
  boot: StockBoot;
}

const work = new E2eWorkDir('stock-image-refusals');
let outcomes: Promise<Record<Name, Outcome>> | undefined;

async function bootAll(): Promise<Record<Name, Outcome>> {
  const entries = await Promise.all(
    (Object.entries(SCENARIOS) as Array<[Name, StockScenario]>).map(async ([name, scenario]) => {
      const run = await prepareStock(work, scenario);
      try {
        return [name, { run, boot: await bootStockNspawn(work, run, scenario.node) }] as const;
      } finally {
        await run.close();
      }
    }),
  );
  return Object.fromEntries(entries) as Record<Name, Outcome>;
}

function outcome(name: Name): Promise<Outcome> {
  outcomes ??= bootAll();
  return outcomes.then((all) => all[name]);
}

function installedPackages(result: GuestResults): string[] {
  return result
    .text('packages.txt')
    .split('\n')
    .filter((line) => / [ih]i$/.test(line.trim()));
}

/** The agent stopped in the install phase with `reason`, exited 3 and was not restarted; nothing was installed or left configured. */
function refusedInInstall(result: GuestResults, reason: RegExp): void {
  const phases = result.phases();
  assert.is(phases.install, 'failed');
  assert.is(phases.preflight, undefined, 'nothing ran after install');
  assert.match(result.text('kubeseed-status.txt'), /^install\s+failed\s+1\s/m);
  assert.match(result.text('kubeseed-status.txt'), reason);
  const unit = result.unit('kubeseed-boot.service');
  assert.is(unit.Result, 'exit-code');
  assert.is(unit.NRestarts, '0', 'exit 3: systemd does not try again');
  assert.match(result.text('journal.txt'), /kubeseed-boot\.service: Main process exited, code=exited, status=3\//);
  assert.equal(installedPackages(result), [], 'no package installed');
  assert.not.ok(existsSync(join(result.dir, 'kubeseed-kubernetes.list')), 'the repository is not left configured');
  assert.not.ok(existsSync(join(result.dir, 'kubeseed-kubernetes.asc')));
  assert.equal(result.standins.kubeadmRuns(), []);
}

const Refusals = needing(
  suite(
    'e2e: a stock image refuses what does not match its pins and waits out the network (systemd-nspawn; real apt and curl; stand-in Kubernetes packages)',
  ),
  { root: true, tools: [...NSPAWN_TOOLS, ...STOCK_TOOLS] },
);

Refusals.after(() => work.finish());

Refusals(
  'the repository signed by a different key than the pinned one → real apt refuses it; the install phase stops, nothing installed',
  work.check(async () => {
    const { run, boot } = await outcome('otherSigner');
    const { other } = await aptRepositories();
    refusedInInstall(boot.results, /apt refused a package index/);
    // apt names the key it lacks by its long key ID: the last 16 digits of the fingerprint.
    assert.match(boot.results.text('kubeseed-status.txt'), new RegExp(`NO_PUBKEY ${other.fingerprint.slice(-16)}`));
    assert.is(run.server.requestsFor(`${REPOSITORY_PATH}InRelease`).length, 1, 'not retried');
  }),
);

Refusals(
  'a Release.key whose fingerprint is not the pinned one → refused before apt is touched',
  work.check(async () => {
    const { run, boot } = await outcome('otherKey');
    const { pinned, other } = await aptRepositories();
    refusedInInstall(
      boot.results,
      new RegExp(`Release\\.key holds key ${other.fingerprint}, not the pinned ${pinned.fingerprint}`),
    );
    assert.is(run.server.requestsFor(`${REPOSITORY_PATH}Release.key`).length, 1, 'not retried');
    assert.equal(run.server.requestsFor(`${REPOSITORY_PATH}InRelease`), [], 'apt never asked');
  }),
);

Refusals(
  'an agent whose sha512 is not the spec’s → not installed, not run; the reason in the cloud-init log and on the console',
  work.check(async () => {
    const { run, boot } = await outcome('wrongAgent');
    const result = boot.results;
    const reason = new RegExp(
      `kubeseed: ${run.base}${AGENT_PATH} has sha512 [0-9a-f]{128}, not the f{128} the cluster spec pins \\(agent\\): kubeseed-boot is NOT installed and will not run`,
    );
    assert.match(result.text('cloud-init-output.log'), reason);
    assert.match(result.text('console.log'), reason);
    assert.match(result.text('cloud-init-status.txt'), /^status: error$/m, 'cloud-init reports the failed runcmd');
    assert.is(result.unit('kubeseed-boot.service').ExecMainStartTimestampMonotonic, '0', 'kubeseed-boot never ran');
    assert.not.ok(existsSync(join(result.dir, 'state.json')));
    assert.is(run.server.requestsFor(AGENT_PATH).length, 1, 'downloaded once, not again');
    assert.equal(installedPackages(result), []);
  }),
);

Refusals(
  'a mirror unreachable for a while (the key download, then apt-get update) → the install phase waits, then the node joins',
  work.check(async () => {
    const { run, boot } = await outcome('outage');
    const result = boot.results;
    assert.is(run.server.requestsFor(`${REPOSITORY_PATH}Release.key`).filter((r) => r.status === 0).length, 2);
    assert.is(run.server.requestsFor(`${REPOSITORY_PATH}InRelease`).filter((r) => r.status === 0).length, 8);
    const log = result.text('kubeseed-boot.log');
    assert.match(log, /WARN install download failed: .*Release\.key: .*; trying again in/);
    assert.match(log, /WARN install `apt-get update -q --error-on=any` exited with code 100: .*; trying again in/);
    const record = (
      JSON.parse(result.text('state.json')) as { phases: Record<string, { status: string; attempts: number }> }
    ).phases.install!;
    assert.is(record.status, 'done');
    assert.ok(record.attempts >= 4, `attempts: ${record.attempts}`);
    assert.equal(
      result.standins.kubeadmRuns().map((call) => call.argv[0]),
      ['join'],
    );
    assert.match(result.text('kubeseed-status.txt'), /^bootstrapped at /m);
  }),
);

Refusals.run();
