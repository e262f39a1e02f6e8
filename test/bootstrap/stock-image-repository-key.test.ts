// The agent's own reading of a repository's Release.key (stock images may have no gpg), held
// to what gpg makes and reads: fingerprints of real keys, the re-armored key gpg accepts, and
// every way a key file can be something other than the one pinned key.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkPinnedKey } from '../../bootstrap/openpgp-key.ts';
import { KubeseedError } from '../../core/errors.ts';
import { Gpg } from '../helpers/gpg.ts';
import { needing } from '../helpers/tools.ts';
import { cleanup, tempDir } from './helpers.ts';

const test = needing(suite('stock image: repository key check without gpg'), { tools: ['gpg', 'gpg-agent'] });
const gpg = new Gpg();
let keys: { ed25519: string; rsa: string; other: string } | undefined;

function generated() {
  keys ??= {
    ed25519: gpg.generate('kubeseed test repo'),
    rsa: gpg.generate('kubeseed rsa repo', 'rsa2048'),
    other: gpg.generate('someone else'),
  };
  return keys;
}

test.after(async () => {
  gpg.remove();
  await cleanup();
});

function integrityError(run: () => unknown, pattern: RegExp): void {
  try {
    run();
  } catch (error) {
    assert.instance(error, KubeseedError);
    assert.is((error as KubeseedError).code, 'integrity');
    assert.match((error as KubeseedError).message, pattern);
    return;
  }
  assert.unreachable('the key was accepted');
}

test('the fingerprint of an ed25519 and an RSA-2048 key is the one gpg prints', () => {
  const { ed25519, rsa } = generated();
  for (const fingerprint of [ed25519, rsa]) {
    const checked = checkPinnedKey(gpg.exportArmored(fingerprint), fingerprint, 'Release.key');
    assert.is(checked.fingerprint, fingerprint);
  }
});

test('the re-armored key is what gpg reads: one key, the pinned fingerprint', () => {
  const { rsa } = generated();
  const checked = checkPinnedKey(gpg.exportArmored(rsa), rsa.toLowerCase(), 'Release.key');
  const file = join(tempDir('kubeseed-key-'), 'kubernetes.asc');
  writeFileSync(file, checked.armored);
  assert.equal(new Gpg(tempDir('kubeseed-gpg-show-')).showKeys(file), [rsa]);
  assert.match(checked.armored, /^-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n/);
  assert.match(checked.armored, /\n=[A-Za-z0-9+/]{4}\n-----END PGP PUBLIC KEY BLOCK-----\n$/);
});

test('a different key than the pinned one → integrity error naming both fingerprints', () => {
  const { ed25519, other } = generated();
  integrityError(
    () => checkPinnedKey(gpg.exportArmored(other), ed25519, 'https://mirror.invalid/Release.key'),
    new RegExp(`https://mirror\\.invalid/Release\\.key holds key ${other}, not the pinned ${ed25519}`),
  );
});

test('a key file carrying a second key beside the pinned one → refused: apt would trust both', () => {
  const { ed25519, other } = generated();
  const both = gpg.run(['--armor', '--export', ed25519, other]);
  integrityError(() => checkPinnedKey(both, ed25519, 'Release.key'), /holds 2 primary keys/);
  const twoBlocks = gpg.exportArmored(ed25519) + gpg.exportArmored(other);
  integrityError(() => checkPinnedKey(twoBlocks, ed25519, 'Release.key'), /more than one armored block/);
});

test('damaged or foreign content → refused with what is wrong', () => {
  const { ed25519 } = generated();
  const armored = gpg.exportArmored(ed25519);
  const lines = armored.split('\n');
  const body = lines.findIndex((line, index) => index > 1 && /^[A-Za-z0-9+/]{20,}/.test(line));
  lines[body] = `${lines[body]!.slice(0, 10)}${lines[body]![10] === 'A' ? 'B' : 'A'}${lines[body]!.slice(11)}`;
  integrityError(() => checkPinnedKey(lines.join('\n'), ed25519, 'Release.key'), /armor checksum does not match/);
  integrityError(
    () => checkPinnedKey('<html>503</html>', ed25519, 'Release.key'),
    /no "-----BEGIN PGP PUBLIC KEY BLOCK-----" line/,
  );
  const signature = gpg.run(['--armor', '--detach-sign', '--local-user', ed25519], 'data');
  integrityError(
    () => checkPinnedKey(signature, ed25519, 'Release.key'),
    /no "-----BEGIN PGP PUBLIC KEY BLOCK-----" line/,
  );
});

test.run();
