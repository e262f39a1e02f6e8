// Builds dist/: the agent script, one single-file kubeseed-boot per architecture and SHA256SUMS.
// The same inputs give the same bytes; a record of the inputs lets tests reuse a build.
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { atomicWrite, renameDurably } from '../../core/atomic-write.ts';
import { KubeseedError } from '../../core/errors.ts';
import { baseNodePins, baseNodeTarball, extractNode } from './node-base.ts';
import { defaultEntry, defaultOutDir, nodeCacheDir, SCRIPT_NAME, shippedScript } from './paths.ts';
import { injectSeaBlob, makeSeaBlob } from './sea.ts';
import { AGENT_ARCHES, type AgentArch, agentBinaryName, hostArch } from './targets.ts';

export const SUMS_NAME = 'SHA256SUMS';
const INPUTS_NAME = '.kubeseed-boot.inputs';

export interface AgentBuildOptions {
  /** The agent's entry point to compile (default: paths.ts defaultEntry, else the shipped script). */
  entry?: string;
  outDir?: string;
  /** Keep what is in outDir when it was built from the same inputs. */
  reuse?: boolean;
}

export interface AgentBuild {
  outDir: string;
  script: string;
  binaries: Record<AgentArch, string>;
  /** File name → hex SHA-256, as in SHA256SUMS. */
  sha256: Record<string, string>;
  reused: boolean;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Everything the output bytes depend on besides the host's binutils. */
function inputsDigest(scriptCode: string): string {
  const hash = createHash('sha256').update(scriptCode).update(baseNodePins());
  const recipeDir = import.meta.dirname;
  for (const file of readdirSync(recipeDir).sort()) hash.update(file).update(readFileSync(join(recipeDir, file)));
  const postject = JSON.parse(
    readFileSync(createRequire(import.meta.url).resolve('postject/package.json'), 'utf8'),
  ) as {
    version: string;
  };
  return hash.update(postject.version).digest('hex');
}

function parseSums(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => {
        const [hex = '', name = ''] = line.split(/ +/);
        return [name, hex];
      }),
  );
}

function layout(outDir: string): Omit<AgentBuild, 'sha256' | 'reused'> {
  const binaries = Object.fromEntries(AGENT_ARCHES.map((arch) => [arch, join(outDir, agentBinaryName(arch))]));
  return { outDir, script: join(outDir, SCRIPT_NAME), binaries: binaries as Record<AgentArch, string> };
}

async function previousBuild(outDir: string, inputs: string): Promise<AgentBuild | undefined> {
  const recorded = await readFile(join(outDir, INPUTS_NAME), 'utf8').catch(() => '');
  if (recorded.trim() !== inputs) return undefined;
  const files = layout(outDir);
  const present = await Promise.all(
    [files.script, ...Object.values(files.binaries)].map((path) =>
      stat(path).then(
        () => true,
        () => false,
      ),
    ),
  );
  if (present.includes(false)) return undefined;
  const sums = await readFile(join(outDir, SUMS_NAME), 'utf8').catch(() => undefined);
  return sums === undefined ? undefined : { ...files, sha256: parseSums(sums), reused: true };
}

/**
 * The agent script: compiled from its sources (esbuild and TypeScript are loaded only for
 * that), or in an installed package, which has no sources, the one it ships.
 */
export async function agentScript(entry = defaultEntry()): Promise<string> {
  if (entry !== undefined) {
    const { compileAgentScript } = await import('./script.ts');
    return compileAgentScript(entry);
  }
  return readFile(shippedScript(), 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new KubeseedError(
      'io',
      `cannot read the agent script ${shippedScript()} (${error.code ?? error.message}); reinstall kubeseed`,
    );
  });
}

/** Only the script, for a Node.js the machine already has; `npm run build` ships it in the package. */
export async function writeAgentScript(options: AgentBuildOptions = {}): Promise<string> {
  const outDir = options.outDir ?? defaultOutDir();
  const code = await agentScript(options.entry);
  await mkdir(outDir, { recursive: true });
  await atomicWrite(join(outDir, SCRIPT_NAME), code, { mode: 0o644 });
  return join(outDir, SCRIPT_NAME);
}

export async function buildAgent(options: AgentBuildOptions = {}): Promise<AgentBuild> {
  const outDir = options.outDir ?? defaultOutDir();
  const code = await agentScript(options.entry);
  const inputs = inputsDigest(code);
  if (options.reuse) {
    const previous = await previousBuild(outDir, inputs);
    if (previous) return previous;
  }

  await mkdir(outDir, { recursive: true });
  await rm(join(outDir, INPUTS_NAME), { force: true });
  // Work inside outDir so the finished files are renamed into place, never half-written.
  const work = await mkdtemp(join(outDir, '.build-'));
  try {
    await writeFile(join(work, SCRIPT_NAME), code);
    const nodes = Object.fromEntries(
      await Promise.all(
        AGENT_ARCHES.map(async (arch) => {
          const tarball = await baseNodeTarball(arch, nodeCacheDir());
          return [arch, await extractNode(tarball, join(work, `node-${arch}`))] as const;
        }),
      ),
    ) as Record<AgentArch, string>;
    const blob = await makeSeaBlob(nodes[hostArch()], work, SCRIPT_NAME);
    await Promise.all(
      AGENT_ARCHES.map(async (arch) => {
        const binary = join(work, agentBinaryName(arch));
        await injectSeaBlob(arch, nodes[arch], blob, binary);
        await chmod(binary, 0o755);
      }),
    );

    const names = [SCRIPT_NAME, ...AGENT_ARCHES.map(agentBinaryName)].sort();
    const sha256 = Object.fromEntries(
      await Promise.all(names.map(async (name) => [name, await sha256File(join(work, name))] as const)),
    );
    await writeFile(join(work, SUMS_NAME), names.map((name) => `${sha256[name]}  ${name}\n`).join(''));
    for (const name of [...names, SUMS_NAME]) await renameDurably(join(work, name), join(outDir, name));
    await atomicWrite(join(outDir, INPUTS_NAME), `${inputs}\n`, { mode: 0o644 });
    return { ...layout(outDir), sha256, reused: false };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
