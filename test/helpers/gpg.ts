// Real OpenPGP keys for tests, made by gpg in a throwaway GNUPGHOME: the repository signing
// keys of the apt repositories the tests build, and what the agent's key check is held to.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type KeyType = 'ed25519' | 'rsa2048';

export class Gpg {
  readonly home: string;

  constructor(home = mkdtempSync(join(tmpdir(), 'kubeseed-gpg-'))) {
    this.home = home;
  }

  run(args: string[], input?: string): string {
    return execFileSync('gpg', ['--batch', '--yes', '--quiet', ...args], {
      env: { ...process.env, GNUPGHOME: this.home },
      input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  /** A new signing key; returns its fingerprint. */
  generate(name: string, type: KeyType = 'ed25519'): string {
    const algorithm =
      type === 'ed25519' ? ['Key-Type: eddsa', 'Key-Curve: ed25519'] : ['Key-Type: RSA', 'Key-Length: 2048'];
    this.run(
      ['--gen-key'],
      [
        '%no-protection',
        ...algorithm,
        'Key-Usage: sign',
        `Name-Real: ${name}`,
        `Name-Email: ${name.replaceAll(' ', '-')}@kubeseed.invalid`,
        'Expire-Date: 0',
        '%commit',
        '',
      ].join('\n'),
    );
    return this.fingerprints(this.run(['--with-colons', '--list-keys', name]))[0]!;
  }

  exportArmored(fingerprint: string): string {
    return this.run(['--armor', '--export', fingerprint]);
  }

  /** Primary key fingerprints in `gpg --with-colons` output: the first `fpr` record after each `pub`. */
  fingerprints(colons: string): string[] {
    const result: string[] = [];
    let afterPub = false;
    for (const line of colons.split('\n')) {
      const fields = line.split(':');
      if (fields[0] === 'pub') afterPub = true;
      else if (fields[0] === 'fpr' && afterPub) {
        result.push(fields[9]!);
        afterPub = false;
      } else if (fields[0] === 'sub') afterPub = false;
    }
    return result;
  }

  /** What gpg itself reads in an armored key file, in a home of its own (`--show-keys`, GnuPG ≥ 2.2.8). */
  showKeys(file: string): string[] {
    return this.fingerprints(this.run(['--with-colons', '--show-keys', file]));
  }

  remove(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}
