// No token secret, private key or PEM block in any log line, in state.json, in `status`
// output or in an error — even when kubeadm and kubectl echo them on stderr.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needing } from '../helpers/tools.ts';
import { AGENT_TOOLS, cleanup, control, file, makeBundle, makeFixture, makePki, runAgent, TOKEN } from './helpers.ts';

const test = needing(suite('agent: secrets stay out of logs'), { tools: AGENT_TOOLS });
test.after(cleanup);

function keyLines(): string[] {
  const pki = makePki();
  return [pki.caKey, pki.etcdKey, pki.frontProxyKey, pki.saKey]
    .flatMap((pem) => pem.split('\n'))
    .filter((line) => line.length > 20 && !line.startsWith('-----'));
}

function assertClean(where: string, text: string): void {
  assert.not.ok(text.includes(TOKEN), `${where} holds the bootstrap token`);
  assert.not.ok(text.includes(TOKEN.split('.')[1]!), `${where} holds the token secret`);
  assert.not.match(text, /-----BEGIN/, `${where} holds a PEM block`);
  assert.not.match(text, /LS0tLS1CRUdJTi/, `${where} holds a base64 PEM block`);
  for (const line of keyLines()) assert.not.ok(text.includes(line), `${where} holds private key material`);
}

test('init node: stand-in kubeadm and kubectl print the token and keys on failure → redacted everywhere', async () => {
  const fixture = makeFixture(makeBundle('init'));
  const pki = makePki();
  control(
    fixture,
    'kubeadm',
    ['fail 1 init'],
    `error: bootstrap token "${TOKEN}" rejected\ncould not load ${pki.caKey}\n-----BEGIN PRIVATE KEY-----\n${pki.saKey.split('\n')[1]}\n`,
  );
  control(
    fixture,
    'kubectl',
    ['fail 1 apply'],
    `error: users.client-key-data: ${Buffer.from(pki.caKey).toString('base64')}\n`,
  );
  const run = await runAgent(fixture, ['run']);
  assert.is(run.code, 0, run.stderr);
  const status = await runAgent(fixture, ['status']);
  const log = file(fixture, '/var/log/kubeseed-boot.log');
  assert.match(log, /\[redacted token\]/, 'the token was there to redact');
  assert.match(log, /\[redacted PEM block\]/);
  assert.match(log, /\[redacted base64 PEM\]/);
  assertClean('the log file', log);
  assertClean('stdout', run.stdout);
  assertClean('stderr', run.stderr);
  assertClean('state.json', file(fixture, '/var/lib/kubeseed/state.json'));
  assertClean('status', status.stdout);
});

test('a failing phase: the error printed and recorded is redacted too', async () => {
  const fixture = makeFixture(makeBundle('init'));
  control(fixture, 'kubeadm', ['fail 1 init'], `unknown field "token: ${TOKEN}"\n${makePki().caKey}`);
  const run = await runAgent(fixture, ['run']);
  assert.is(run.code, 1);
  assert.match(run.stderr, /\[redacted token\]/);
  assertClean('stderr', run.stderr);
  assertClean('stdout', run.stdout);
  assertClean('state.json', file(fixture, '/var/lib/kubeseed/state.json'));
  assertClean('status', (await runAgent(fixture, ['status'])).stdout);
});

test.run();
