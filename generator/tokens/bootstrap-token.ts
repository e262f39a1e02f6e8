// Bootstrap tokens as kubeadm accepts them: `[a-z0-9]{6}.[a-z0-9]{16}`. The id is public
// (it names the Secret bootstrap-token-<id>); the secret authenticates a joining node, so
// nothing may print or log it.
import { randomBytes } from 'node:crypto';

export interface BootstrapToken {
  id: string;
  secret: string;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
// The largest multiple of 36 below 256: bytes at or above it are redrawn, so every
// character is equally likely (a plain `byte % 36` would favour the first 4).
const UNBIASED_LIMIT = 256 - (256 % ALPHABET.length);
const TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

export function generateBootstrapToken(): BootstrapToken {
  return { id: randomString(6), secret: randomString(16) };
}

export function formatBootstrapToken(token: BootstrapToken): string {
  return `${token.id}.${token.secret}`;
}

/** The token in `id.secret` form, or undefined when the text is not one. */
export function parseBootstrapToken(text: string): BootstrapToken | undefined {
  const match = TOKEN_PATTERN.exec(text);
  if (!match?.[1] || !match[2]) return undefined;
  return { id: match[1], secret: match[2] };
}

function randomString(length: number): string {
  let result = '';
  while (result.length < length) {
    for (const byte of randomBytes(length)) {
      if (byte < UNBIASED_LIMIT && result.length < length) result += ALPHABET[byte % ALPHABET.length];
    }
  }
  return result;
}
