// The CLI half of `npm run build`: generator/cli.ts and the output writer's thread, bundled
// into dist/kubeseed/ and split so that each command loads only its own part. Chunks are
// named by their content's hash, so a build leaves the chunks of earlier builds behind;
// they are removed, since the npm package ships dist/kubeseed/ whole. Removed after the
// build, never before it: tests run the CLI from dist/ while another test rebuilds it.
import { readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { packageRoot } from '../core/package-root.ts';

const OUT_DIR = join(packageRoot(), 'dist', 'kubeseed');

const result = await build({
  absWorkingDir: packageRoot(),
  entryPoints: ['generator/cli.ts', 'generator/output-worker.ts'],
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir: OUT_DIR,
  outExtension: { '.js': '.mjs' },
  chunkNames: '[name]-[hash]',
  // Loaded only by `agent build`, from the developer's own install.
  external: ['esbuild', 'typescript', 'postject'],
  // Bundled CommonJS dependencies call require(), which an ES module does not have.
  banner: {
    js: "import{createRequire as __bannerRequire}from'node:module';const require=__bannerRequire(import.meta.url);",
  },
  metafile: true,
  logLevel: 'warning',
});

const built = new Set(Object.keys(result.metafile.outputs).map((path) => basename(path)));
for (const name of readdirSync(OUT_DIR)) {
  if (!built.has(name)) rmSync(join(OUT_DIR, name), { recursive: true, force: true });
}
