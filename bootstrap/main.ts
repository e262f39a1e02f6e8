// kubeseed-boot's entry point: the real machine as the Host (KUBESEED_BOOT_ROOT moves the
// root in tests only; see host.ts).
import { runCli } from './cli.ts';
import { NodeHost } from './node-host.ts';

void runCli(process.argv.slice(2), NodeHost.fromEnvironment(process.env)).then((code) => {
  process.exitCode = code;
});
