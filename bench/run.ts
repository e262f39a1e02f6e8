// `npm run bench`: every speed and size goal of the project, measured in one run;
// `npm run bench -- NAME…` runs only the named sections.
import { benchAgentBinary } from './agent-binary.ts';
import { benchAgentStart } from './agent-start.ts';
import { benchConvergence } from './convergence.ts';
import { benchFleets } from './fleet.ts';
import { benchGenerate } from './generate.ts';
import { runImagesBench } from './images.ts';
import { benchStockImage } from './stock-image.ts';

const SECTIONS: Array<[name: string, run: () => Promise<unknown>]> = [
  [
    'generate',
    async () => {
      await benchGenerate();
      benchFleets();
    },
  ],
  [
    'agent',
    async () => {
      await benchAgentBinary();
      await benchAgentStart();
    },
  ],
  ['convergence', benchConvergence],
  ['images', runImagesBench],
  ['stock-image', benchStockImage],
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !SECTIONS.some(([section]) => section === name));
if (unknown.length > 0) {
  console.error(
    `unknown bench section ${unknown.join(', ')}; the sections are: ${SECTIONS.map(([name]) => name).join(', ')}`,
  );
  process.exit(2);
}
const chosen = SECTIONS.filter(([name]) => wanted.length === 0 || wanted.includes(name));
for (const [index, [, run]] of chosen.entries()) {
  if (index > 0) console.log();
  await run();
}
