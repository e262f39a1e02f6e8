// Value formats that more than one document uses, each written once: the pattern, and the
// declaration that checks a field against it with the message users see.
import { isIP } from 'node:net';
import { string } from './schema.ts';

export const SHA256_HEX = /^[0-9a-f]{64}$/;
/** A content digest as registries, containerd and kubeadm's CA pin write it. */
export const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;
export const SHA512_HEX = /^[0-9a-f]{128}$/;
/** RFC 1123 label as Kubernetes names objects (node and cluster names). */
export const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** RFC 1123 subdomain, at most 253 characters (host names, DNS domains, label prefixes). */
export const DNS_1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const PEM_CERTIFICATE = /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n?$/;
export const PEM_BLOCK = /^-----BEGIN [A-Z ]+-----\n[\s\S]+\n-----END [A-Z ]+-----\n?$/;
export const HTTP_URL = /^https?:\/\/[^\s/]+(\/\S*)?$/;
export const ABSOLUTE_PATH = /^\/\S+$/;

export const sha256Hex = (expected = '64 lowercase hex digits') => string({ pattern: SHA256_HEX, expected });
export const sha256Digest = string({ pattern: SHA256_DIGEST, expected: 'sha256:<64 lowercase hex digits>' });
export const sha512Hex = string({ pattern: SHA512_HEX, expected: '128 lowercase hex digits (sha512sum of the file)' });
export const dnsLabel = string({
  pattern: DNS_1123_LABEL,
  expected: 'a lowercase DNS-1123 label (a-z, 0-9, -; at most 63)',
});
export const pemCertificate = string({
  pattern: PEM_CERTIFICATE,
  expected: 'a PEM certificate (-----BEGIN CERTIFICATE-----)',
});
/** A key or certificate: declare it `.secret()` where it may be a key. */
export const pemBlock = string({ pattern: PEM_BLOCK, expected: 'a PEM block' });
export const httpUrl = (example = 'https://example.com/file') =>
  string({ pattern: HTTP_URL, expected: `an http(s) URL such as ${example}` });
export const ipAddress = string().check((text, at) =>
  isIP(text) === 0 ? `${at.show(text)} is not an IP address` : undefined,
);
/** A Linux network interface name (IFNAMSIZ leaves 15 characters). */
export const interfaceName = string({ pattern: /^[A-Za-z0-9_.:-]+$/, expected: 'an interface name like eth0' }).check(
  (name) => (name.length > 15 ? "is longer than the kernel's 15 characters" : undefined),
);
