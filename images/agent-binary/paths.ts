// Where the agent build reads and writes by default, all relative to the repository so the
// same checkout builds the same way from any working directory.
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const DEFAULT_OUT_DIR = join(REPO_ROOT, 'dist');
export const NODE_CACHE_DIR = join(REPO_ROOT, '.cache', 'node');

/** The agent's entry point; KUBESEED_AGENT_ENTRY points a build at another one (a stand-in while developing). */
export function defaultEntry(): string {
  return resolve(process.env.KUBESEED_AGENT_ENTRY ?? join(REPO_ROOT, 'bootstrap', 'main.ts'));
}
