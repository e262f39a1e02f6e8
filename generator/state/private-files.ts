// Writing secrets: modes set explicitly (the umask may be 0), exclusive create so nothing
// is silently replaced, and fsync so a rename that survives a crash never points at
// files whose contents did not.
import { chmod, mkdir, open } from 'node:fs/promises';

export async function makePrivateDir(path: string): Promise<void> {
  await mkdir(path, { mode: 0o700 });
  await chmod(path, 0o700);
}

export async function writeNewPrivateFile(path: string, contents: string): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(contents, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}
