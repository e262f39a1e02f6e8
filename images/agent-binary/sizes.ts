// Sizes that matter for a machine image: the file as installed and as an image would carry
// it compressed (xz -6, what distribution images and initramfs tools commonly use).
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { KubeseedError } from '../../core/errors.ts';

export async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}

/** Bytes of `xz -6` output for `path`, single-threaded so the number does not depend on the core count. */
export function xzSize(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const xz = spawn('xz', ['-6', '-T1', '-c', path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let size = 0;
    xz.stdout.on('data', (chunk: Buffer) => (size += chunk.length));
    xz.on('error', (error) => reject(new KubeseedError('command-failed', `xz: ${error.message}`)));
    xz.on('close', (code) =>
      code === 0 ? resolve(size) : reject(new KubeseedError('command-failed', `xz -6 ${path}: exit ${code}`)),
    );
  });
}

export function formatBytes(bytes: number): string {
  return bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}
