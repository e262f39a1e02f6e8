// `npm run bench`: every speed and size goal of the project, measured in one run.
import { benchAgentBinary } from './agent-binary.ts';
import { benchGenerate } from './generate.ts';
import { runImagesBench } from './images.ts';

await benchGenerate();
console.log();
await benchAgentBinary();
console.log();
await runImagesBench();
