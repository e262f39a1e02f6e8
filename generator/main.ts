// kubeseed from its sources (`npm run kubeseed -- ARGS`, tests that run it as a process);
// the published bin/kubeseed.js calls the same main() from the bundle in dist/.
import { main } from './cli.ts';

process.exitCode = await main(process.argv.slice(2));
