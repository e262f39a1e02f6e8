import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  formatBootstrapToken,
  generateBootstrapToken,
  parseBootstrapToken,
} from '../../../generator/tokens/bootstrap-token.ts';

const token = suite('bootstrap token');

token("has kubeadm's format and round-trips through its text form", () => {
  const generated = generateBootstrapToken();
  const text = formatBootstrapToken(generated);
  assert.match(text, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  assert.equal(parseBootstrapToken(text), generated);
});

token('1000 tokens are distinct and draw on the whole alphabet', () => {
  const tokens = Array.from({ length: 1000 }, () => formatBootstrapToken(generateBootstrapToken()));
  assert.is(new Set(tokens).size, 1000);
  const used = new Set(tokens.join('').replaceAll('.', ''));
  assert.is(used.size, 36);
});

token('parsing rejects anything kubeadm would reject', () => {
  for (const text of [
    'ABCDEF.0123456789abcdef',
    'abcde.0123456789abcdef',
    'abcdef.0123456789abcde',
    'abcdef0123456789abcdef',
    ' abcdef.0123456789abcdef',
    'abcdef.0123456789abcdef\n',
  ]) {
    assert.is(parseBootstrapToken(text), undefined, JSON.stringify(text));
  }
});

token.run();
