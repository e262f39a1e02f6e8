// The agent's version is the package's: one number to bump. esbuild inlines the JSON,
// so the binary reads no file for it.
import packageJson from '../package.json' with { type: 'json' };

export const AGENT_VERSION: string = packageJson.version;
