// Where the agent build reads and writes by default, relative to kubeseed's package so a
// checkout builds the same way from any working directory.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../core/package-root.ts';

/** The agent and every dependency in one CommonJS file (script.ts). */
export const SCRIPT_NAME = 'kubeseed-boot.cjs';

export function defaultOutDir(): string {
  return join(packageRoot(), 'dist');
}

export function nodeCacheDir(): string {
  return join(packageRoot(), '.cache', 'node');
}

/**
 * The agent's entry point to compile: KUBESEED_AGENT_ENTRY (a stand-in while developing) or
 * bootstrap/main.ts; undefined in an installed package, which has no sources.
 */
export function defaultEntry(): string | undefined {
  if (process.env.KUBESEED_AGENT_ENTRY) return resolve(process.env.KUBESEED_AGENT_ENTRY);
  const entry = join(packageRoot(), 'bootstrap', 'main.ts');
  return existsSync(entry) ? entry : undefined;
}

/** The script an installed package ships instead of sources (`npm run build` compiles and checks it). */
export function shippedScript(): string {
  return join(packageRoot(), 'dist', SCRIPT_NAME);
}
