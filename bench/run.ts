// `npm run bench`: every speed and size goal of the project, measured in one run.
import { benchGenerate } from './generate.ts';

await benchGenerate();
