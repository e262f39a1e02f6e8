// A host with an optional port, as an API server endpoint or a registry is written:
// `k8s.example.com:6443`, `192.0.2.10`, `[2001:db8::10]:6443`. The host is an IP address or
// a DNS-1123 subdomain; the one rule serves the cluster spec and the node bundle.
import { isIP } from 'node:net';
import { DNS_1123_SUBDOMAIN } from './formats.ts';

export interface HostPort {
  host: string;
  port: number;
}

function split(text: string): [host: string, port: string | undefined] | undefined {
  const bracketed = /^\[([^\]]+)\](?::([^:]*))?$/.exec(text);
  if (bracketed) return isIP(bracketed[1]!) === 6 ? [bracketed[1]!, bracketed[2]] : undefined;
  // An IPv6 address has two colons at least: checking that first spares `host:port` the
  // first use of node's IPv6 pattern, which costs ~7 ms of a `validate` run.
  if (text.indexOf(':') !== text.lastIndexOf(':') && isIP(text) === 6) return [text, undefined];
  const [host = '', port, ...rest] = text.split(':');
  return rest.length > 0 ? undefined : [host, port];
}

/** Undefined when the text is not host[:port]; without `defaultPort` the port is required. */
export function parseHostPort(text: string, defaultPort?: number): HostPort | undefined {
  const [host, portText] = split(text) ?? ['', undefined];
  if (isIP(host) === 0 && !DNS_1123_SUBDOMAIN.test(host)) return undefined;
  const port = portText === undefined ? defaultPort : /^\d{1,5}$/.test(portText) ? Number(portText) : undefined;
  return port !== undefined && port >= 1 && port <= 65535 ? { host, port } : undefined;
}

/** host:port, with an IPv6 host in brackets. */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
