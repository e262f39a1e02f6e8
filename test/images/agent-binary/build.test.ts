// The single-file kubeseed-boot: built (or reused from dist/), runnable on both
// architectures, stripped, and made from a bundle that loads nothing from outside itself.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AgentBuild } from '../../../images/agent-binary/build.ts';
import { SUMS_NAME } from '../../../images/agent-binary/build.ts';
import { ensureAgentBuild } from '../../../images/agent-binary/ensure.ts';
import { loaderProblems } from '../../../images/agent-binary/script.ts';
import { AGENT_ARCHES, type AgentArch, invocation, TARGETS } from '../../../images/agent-binary/targets.ts';
import { sha256Hex } from '../../../templates/integrity.ts';
import { AGENT_TOOLS, cleanup, commands, makeBundle, makeFixture, state } from '../../bootstrap/helpers.ts';
import { needing } from '../../helpers/tools.ts';

const run = promisify(execFile);

// What the systemd unit clears; a test runner's NODE_OPTIONS would reach the binary too.
function agentEnv(): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _options, NODE_EXTRA_CA_CERTS: _certs, ...env } = process.env;
  return env;
}

async function runAgent(arch: AgentArch, binary: string, args: string[]): Promise<string> {
  const { command, args: argv, env } = invocation(arch, binary, args, agentEnv());
  return (await run(command, argv, { env })).stdout;
}

// The build strips both binaries; the arm64 one runs under qemu-user with Debian's cross libraries;
// the amd64 one runs a full init with the agent suites' stand-ins.
const Binary = needing(suite<{ build: AgentBuild; buildError?: unknown }>('agent binary'), {
  tools: [
    ...AGENT_TOOLS,
    'strip',
    'aarch64-linux-gnu-strip',
    'readelf',
    'qemu-aarch64-static',
    '/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1',
    '/usr/aarch64-linux-gnu/lib/libstdc++.so.6',
    '/usr/aarch64-linux-gnu/lib/libgcc_s.so.1',
  ],
});

// uvu drops an error thrown in a before-hook without a word: it is kept and thrown by each test instead.
Binary.before(async (context) => {
  try {
    context.build = await ensureAgentBuild();
  } catch (error) {
    context.buildError = error;
  }
});

Binary.before.each((context) => {
  if (context.buildError) throw context.buildError;
});

Binary('SHA256SUMS lists the bundle and both binaries with their hashes', async ({ build }) => {
  const sums = await readFile(join(build.outDir, SUMS_NAME), 'utf8');
  const files = [build.script, ...Object.values(build.binaries)];
  const expected = await Promise.all(
    files.map(async (path) => `${sha256Hex(await readFile(path))}  ${basename(path)}`),
  );
  assert.equal(sums.trim().split('\n').sort(), expected.sort());
});

Binary('the bundle loads nothing but Node built-ins', async ({ build }) => {
  assert.equal(loaderProblems(await readFile(build.script, 'utf8')), []);
});

for (const arch of AGENT_ARCHES) {
  Binary(`${arch}: \`version\` prints what the bundle prints under node`, async ({ build }) => {
    const fromScript = (await run(process.execPath, [build.script, 'version'], { env: agentEnv() })).stdout;
    assert.ok(fromScript.trim().length > 0, 'the bundle prints a version');
    assert.is(await runAgent(arch, build.binaries[arch], ['version']), fromScript);
  });

  Binary(`${arch}: a stripped ELF executable for ${TARGETS[arch].elfMachine}`, async ({ build }) => {
    const header = (await run('readelf', ['--file-header', build.binaries[arch]])).stdout;
    assert.match(header, new RegExp(`Machine:\\s+${TARGETS[arch].elfMachine}\\n`));
    const sections = (await run('readelf', ['--section-headers', '--wide', build.binaries[arch]])).stdout;
    assert.not.match(sections, /\.symtab\b/, 'no symbol table');
  });
}

Binary(
  'amd64: a full init-node run of the binary with stand-in kubeadm, kubectl, ctr and systemctl',
  async ({ build }) => {
    const fixture = makeFixture(makeBundle('init'));
    try {
      const { NODE_OPTIONS: _options, ...env } = fixture.env;
      await run(build.binaries.amd64, ['run'], { env });
      assert.equal(
        commands(fixture).filter((command) => command.startsWith('kubeadm ') || command.startsWith('kubectl ')),
        [
          'kubeadm version -o short',
          'kubeadm config images list --config /etc/kubeseed/kubeadm.yaml',
          'kubeadm init --config /etc/kubeseed/kubeadm.yaml',
          'kubectl --kubeconfig /etc/kubernetes/admin.conf apply -f /etc/kubeseed/addons/flannel.yaml',
        ],
      );
      assert.is(state(fixture).phases.finish?.status, 'done');
    } finally {
      await cleanup();
    }
  },
);

Binary.run();

const Checker = suite('bundle loader check');

Checker('flags computed and non-built-in loads, not strings that mention require()', () => {
  const code =
    'require("node:fs");require("os");import("node:crypto");console.log("require() of x");require(a);import(b);require("yaml")';
  assert.equal(
    loaderProblems(code).map((problem) => problem.message),
    [
      'require(a) loads a computed module name',
      'import(b) loads a computed module name',
      'require("yaml") loads "yaml", which is not built into Node',
    ],
  );
});

Checker.run();
