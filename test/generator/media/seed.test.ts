import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cloudInitSchema, decodeUserData } from '../../helpers/cloud-init.ts';
import { type GeneratedOut, generateOut } from '../../helpers/generated-out.ts';
import { readNocloudSeed } from '../../helpers/nocloud.ts';
import { runCli, runCliOk, runCliRefused } from '../../helpers/run-cli.ts';
import { needing } from '../../helpers/tools.ts';

async function rejects(args: string[], code: 'usage' | 'failure', message: RegExp): Promise<void> {
  await runCliRefused(['media', ...args], code === 'usage' ? 2 : 1, message);
}

const seedSuite = suite('kubeseed media seed: a NoCloud ISO cloud-init reads');
const withXorrisoAndCloudInit = needing(seedSuite, { tools: ['xorriso', 'cloud-init'] });
let generated: GeneratedOut;

seedSuite.before(async () => {
  generated = await generateOut();
});
seedSuite.after(() => generated.cleanup());

withXorrisoAndCloudInit(
  "the seed holds the node's three files; cloud-init's NoCloud loader reads them back",
  async () => {
    const iso = join(generated.dir, 'w-1.iso');
    const { stdout } = await runCliOk(['media', 'seed', '--node', 'w-1', '-o', iso, '--from', generated.out]);
    assert.match(stdout, /w-1\.iso: NoCloud seed for w-1 \(ISO 9660, label cidata, \d+ bytes\)/);
    // The seed carries the node bundle: private to its owner like the bundle itself.
    assert.is(statSync(iso).mode & 0o777, 0o600);
    const extracted = join(generated.dir, 'w-1-seed');
    const xorriso = spawnSync('xorriso', ['-indev', iso, '-osirrox', 'on', '-extract', '/', extracted], {
      encoding: 'utf8',
    });
    assert.is(xorriso.status, 0, xorriso.stderr);
    const nodeDir = join(generated.out, 'nodes/w-1');
    for (const file of ['user-data', 'meta-data', 'network-config']) {
      assert.ok(readFileSync(join(extracted, file)).equals(readFileSync(join(nodeDir, file))), file);
    }
    const seed = readNocloudSeed(extracted);
    assert.equal(seed.metaData, { 'instance-id': 'kubeseed-lab-w-1', 'local-hostname': 'w-1' });
    assert.ok(seed.userData.equals(readFileSync(join(nodeDir, 'user-data'))));
    cloudInitSchema(decodeUserData(seed.userData));
    assert.ok(seed.interfaces!.length > 0);
  },
);

seedSuite('an Ignition node, an unknown node and a missing output directory are clear errors', async () => {
  const iso = join(generated.dir, 'x.iso');
  await rejects(
    ['seed', '--node', 'fc-1', '-o', iso, '--from', generated.out],
    'failure',
    /node fc-1 uses the ignition carrier.*set carrier: cloud-init for fc-1/,
  );
  await rejects(
    ['seed', '--node', 'nope', '-o', iso, '--from', generated.out],
    'usage',
    /--node nope: no such node in .*nodes\.json; nodes: cp-1, pi-1, w-1, fc-1/,
  );
  await rejects(
    ['seed', '--node', 'w-1', '-o', iso, '--from', join(generated.dir, 'elsewhere')],
    'failure',
    /cannot read .*elsewhere\/nodes\.json: no such file; run kubeseed generate/,
  );
});

seedSuite('usage errors: a missing option, an unknown option or subcommand', async () => {
  await rejects(['seed', '--node', 'w-1'], 'usage', /^error: required option '-o, --out <file>' not specified\n/);
  await rejects(['seed', '--node', 'w-1', '-o', 'x.iso', '--bogus'], 'usage', /unknown option '--bogus'/);
  await rejects(['burn'], 'usage', /^error: unknown command 'burn'\nRun 'kubeseed media --help' for usage\.\n$/);
  await rejects(['sed'], 'usage', /unknown command 'sed' \(did you mean seed\?\)/);
  const none = await runCli(['media']);
  assert.is(none.code, 2, 'media without a subcommand is bad usage');
  assert.match(none.stderr, /^Usage: kubeseed media \[options\] \[command\]/);
  assert.match(none.stderr, /\n {2}seed +a NoCloud seed ISO/);
});

seedSuite.run();
