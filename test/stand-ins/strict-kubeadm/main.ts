// The strict stand-in kubeadm's checking half (test/stand-ins/kubeadm records the call and
// writes what kubeadm would): `version -o short`, `config images list --config F`, and the
// config checks of `init --config F` and `join --config F`, for the kubeadm version
// installed on the machine. Exit 0 when kubeadm would go on, 1 with kubeadm-style messages
// on stderr when it would stop, 64 for arguments the agent never passes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, loadConfig } from './config-file.ts';
import { imagesFor } from './images.ts';
import { installedKubeadm } from './package.ts';

const root = process.env.KUBESEED_BOOT_ROOT ?? '/';
const args = process.argv.slice(2);

function fail(lines: string[], code = 1): never {
  for (const line of lines) process.stderr.write(`${line}\n`);
  process.exit(code);
}

function command(): { command: Command | 'version'; config?: string } {
  const joined = args.join(' ');
  if (joined === 'version -o short') return { command: 'version' };
  if (args.length === 5 && args.slice(0, 4).join(' ') === 'config images list --config')
    return { command: 'images', config: args[4] };
  if (args.length === 3 && (args[0] === 'init' || args[0] === 'join') && args[1] === '--config')
    return { command: args[0], config: args[2] };
  return fail([`stand-in kubeadm: unexpected arguments: ${joined}`], 64);
}

const wanted = command();
const kubeadm = installedKubeadm(root);
if (typeof kubeadm === 'string') fail([`stand-in kubeadm: ${kubeadm}`]);
if (wanted.command === 'version') {
  process.stdout.write(`${kubeadm.text}\n`);
  process.exit(0);
}
let text: string;
try {
  text = readFileSync(join(root, wanted.config!), 'utf8');
} catch {
  fail([`unable to read config from "${wanted.config}": no such file`]);
}
const loaded = loadConfig(text, wanted.command, kubeadm);
for (const warning of loaded.warnings) process.stderr.write(`${warning}\n`);
if (loaded.errors.length > 0)
  fail([...loaded.errors, 'To see the stack trace of this error execute with --v=5 or higher']);
if (wanted.command === 'images') {
  const listed = imagesFor(loaded.cluster ?? {}, kubeadm);
  if ('error' in listed) fail([listed.error]);
  process.stdout.write(`${listed.images.join('\n')}\n`);
}
