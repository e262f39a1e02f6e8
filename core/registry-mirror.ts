// A registry mirror as containerd's certs.d/<host>/hosts.toml takes it. Declared once for
// the cluster spec (registries[]) and the node bundle (runtime.registryMirrors[]): a mirror
// the generator accepts is one the agent accepts.
import { httpUrl, pemCertificate } from './formats.ts';
import { parseHostPort } from './host-port.ts';
import { boolean, type Infer, list, object, string } from './schema.ts';

const HTTPS_PORT = 443;

export const registryMirror = object({
  /** The registry being mirrored, as containerd names it under certs.d (e.g. `registry.k8s.io`). */
  host: string({
    pattern: { test: (text) => parseHostPort(text, HTTPS_PORT) !== undefined },
    expected: 'a registry host[:port] such as registry.k8s.io',
  }),
  /** Mirror URLs tried in order before the registry itself. */
  mirrors: list(httpUrl('https://mirror.local:5000')).check((mirrors) =>
    mirrors.length === 0 ? 'needs at least one mirror URL, such as https://mirror.local:5000' : undefined,
  ),
  /** PEM CA certificate that signs the mirrors' TLS certificates. */
  caCertificate: pemCertificate.orAbsent(),
  skipVerify: boolean().orAbsent(),
});

export type RegistryMirror = Infer<typeof registryMirror>;
