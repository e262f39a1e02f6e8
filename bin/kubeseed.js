#!/usr/bin/env node
// The published entry point: the CLI bundled by `npm run build` (run on install by `prepare`).
import { main } from '../dist/kubeseed/cli.mjs';

process.exitCode = await main(process.argv.slice(2));
