#!/usr/bin/env node
// The published entry point: the CLI bundled by `npm run build` (run on install by `prepare`).
import '../dist/kubeseed.mjs';
