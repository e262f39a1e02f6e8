// `npm run bench`: every speed and size goal of the project, measured in one run.
import { benchAgentBinary } from './agent-binary.ts';
import { benchAgentStart } from './agent-start.ts';
import { benchConvergence } from './convergence.ts';
import { benchFleets } from './fleet.ts';
import { benchGenerate } from './generate.ts';
import { runImagesBench } from './images.ts';

await benchGenerate();
benchFleets();
console.log();
await benchAgentBinary();
await benchAgentStart();
console.log();
await benchConvergence();
console.log();
await runImagesBench();
