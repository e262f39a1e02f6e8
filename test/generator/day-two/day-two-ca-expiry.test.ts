// generate's warning about the cluster CA's end, on CAs made by openssl.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { caExpiryWarning } from '../../../generator/day-two/ca-expiry-warning.ts';
import { needing } from '../../helpers/tools.ts';

function ca(days: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-ca-expiry-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', String(days)].concat([
        '-subj',
        '/CN=kubernetes',
        '-keyout',
        join(dir, 'ca.key'),
        '-out',
        join(dir, 'ca.crt'),
      ]),
      { stdio: 'pipe' },
    );
    return readFileSync(join(dir, 'ca.crt'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const test = needing(suite('day-two: CA expiry warning'), { tools: ['openssl'] });

test('a CA with more than a year left gives no warning; less than a year names the date and days', () => {
  const now = new Date();
  assert.is(caExpiryWarning(ca(400), now), undefined);
  const warning = caExpiryWarning(ca(100), now);
  assert.match(
    warning ?? '',
    /^the cluster CA \(state\/pki\/ca\.crt\) expires at \d{4}-\d\d-\d\dT.*, in (99|100) days; plan its rotation/,
  );
  const later = new Date(now.getTime() + 200 * 86400_000);
  assert.match(caExpiryWarning(ca(100), later) ?? '', /expired at/);
});

test.run();
