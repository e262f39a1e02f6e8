// The value formats both documents share, each checked against what produces or reads
// such values for real: sha256sum/sha512sum, openssl, Python's ipaddress module.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { contains, overlaps, parseCidr } from '../../core/cidr.ts';
import { duration } from '../../core/duration.ts';
import {
  DNS_1123_LABEL,
  DNS_1123_SUBDOMAIN,
  dnsLabel,
  HTTP_URL,
  ipAddress,
  PEM_BLOCK,
  PEM_CERTIFICATE,
  SHA256_DIGEST,
  SHA256_HEX,
  SHA512_HEX,
} from '../../core/formats.ts';
import { formatHostPort, parseHostPort } from '../../core/host-port.ts';
import { ProblemSink, readDocument, type Schema } from '../../core/schema.ts';
import { needing } from '../helpers/tools.ts';

const test = suite('shared formats');

function messagesOf(schema: Schema<unknown>, value: unknown): string[] {
  const sink = new ProblemSink();
  readDocument(schema, value, sink);
  return sink.problems.map((problem) => problem.message);
}

test('sha256 and sha512: what sha256sum and sha512sum print is accepted; anything else is not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-formats-'));
  try {
    writeFileSync(join(dir, 'file'), 'kubeseed\n');
    const sha256 = execFileSync('sha256sum', [join(dir, 'file')], { encoding: 'utf8' }).split(' ')[0]!;
    const sha512 = execFileSync('sha512sum', [join(dir, 'file')], { encoding: 'utf8' }).split(' ')[0]!;
    assert.ok(SHA256_HEX.test(sha256));
    assert.ok(SHA256_DIGEST.test(`sha256:${sha256}`));
    assert.ok(SHA512_HEX.test(sha512));
    for (const wrong of [sha256.toUpperCase(), sha256.slice(1), `${sha256}0`, sha512])
      assert.not.ok(SHA256_HEX.test(wrong));
    assert.not.ok(SHA256_DIGEST.test(sha256));
    assert.not.ok(SHA512_HEX.test(sha256));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

needing(test, { tools: ['openssl'] })(
  'PEM: an openssl certificate is a certificate; an openssl key is a PEM block but no certificate',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeseed-formats-'));
    try {
      const key = join(dir, 'key.pem');
      const cert = join(dir, 'cert.pem');
      execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
      execFileSync('openssl', ['req', '-x509', '-key', key, '-subj', '/CN=formats', '-days', '1', '-out', cert]);
      const certificate = readFileSync(cert, 'utf8');
      const privateKey = readFileSync(key, 'utf8');
      assert.ok(PEM_CERTIFICATE.test(certificate));
      assert.ok(PEM_BLOCK.test(certificate));
      assert.ok(PEM_BLOCK.test(privateKey));
      assert.not.ok(PEM_CERTIFICATE.test(privateKey));
      assert.not.ok(PEM_BLOCK.test(privateKey.replace(/\n-----END[^\n]*\n$/, '\n')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('DNS-1123 labels (node, cluster names) and subdomains (hosts, domains), at their length limits', () => {
  const label = 'a'.repeat(63);
  assert.ok(DNS_1123_LABEL.test(label));
  for (const bad of [`${label}a`, 'Web', 'web_1', '-web', 'web-', 'web.1', ''])
    assert.not.ok(DNS_1123_LABEL.test(bad), bad);
  const subdomain = Array.from({ length: 4 }, () => label).join('.'); // 255 characters
  assert.ok(DNS_1123_SUBDOMAIN.test(subdomain.slice(0, 253)));
  assert.not.ok(DNS_1123_SUBDOMAIN.test(subdomain.slice(0, 254)));
  assert.ok(DNS_1123_SUBDOMAIN.test('registry.k8s.io'));
  for (const bad of ['Registry.io', 'a..b', '.a', 'a.', 'a_b.io']) assert.not.ok(DNS_1123_SUBDOMAIN.test(bad), bad);
  assert.equal(messagesOf(dnsLabel, 'Web'), [
    '"Web" is not valid; expected a lowercase DNS-1123 label (a-z, 0-9, -; at most 63)',
  ]);
});

test('host[:port]: names and addresses, IPv6 in brackets, the default port, and back again', () => {
  const cases: Array<[string, number | undefined, string | undefined]> = [
    ['k8s.example.com', 6443, 'k8s.example.com:6443'],
    ['k8s.example.com:443', undefined, 'k8s.example.com:443'],
    ['192.0.2.10', 6443, '192.0.2.10:6443'],
    ['[2001:db8::10]:6443', undefined, '[2001:db8::10]:6443'],
    ['2001:db8::10', 6443, '[2001:db8::10]:6443'],
    ['[2001:db8::10]', 6443, '[2001:db8::10]:6443'],
    ['localhost:5000', undefined, 'localhost:5000'],
    ['k8s.example.com', undefined, undefined],
    ['k8s.example.com:0', 6443, undefined],
    ['k8s.example.com:65536', 6443, undefined],
    ['k8s.example.com:', 6443, undefined],
    ['K8S.example.com', 6443, undefined],
    ['[k8s.example.com]:6443', 6443, undefined],
    ['a:b:c', 6443, undefined],
    ['https://k8s.example.com', 6443, undefined],
  ];
  for (const [text, defaultPort, formatted] of cases) {
    const parsed = parseHostPort(text, defaultPort);
    assert.is(parsed && formatHostPort(parsed), formatted, text);
  }
});

test('http(s) URLs and IP addresses', () => {
  for (const url of ['https://mirror.local:5000', 'http://10.0.0.1:5000/v2/prefix', 'https://[fd00::1]:5000'])
    assert.ok(HTTP_URL.test(url), url);
  for (const url of ['ftp://mirror.local', 'https://', 'https:///path', 'mirror.local:5000', 'https://a b'])
    assert.not.ok(HTTP_URL.test(url), url);
  assert.equal(messagesOf(ipAddress, '10.0.0.300'), ['"10.0.0.300" is not an IP address']);
  assert.equal(messagesOf(ipAddress, 'fd00::1'), []);
});

test('durations read to seconds: units up to years, a bare 0, written numbers', () => {
  const seconds = (value: unknown) => {
    const sink = new ProblemSink();
    return readDocument(duration, value, sink) ?? sink.problems.map((problem) => problem.message);
  };
  assert.is(seconds('24h'), 86_400);
  assert.is(seconds('1h30m'), 5400);
  assert.is(seconds('10y'), 10 * 365 * 86_400);
  assert.is(seconds(0), 0);
  assert.equal(seconds('1 day'), ['"1 day" is not a duration like 24h, 90m, 365d or 10y']);
  assert.equal(seconds(['24h']), ['must be a duration like 24h, 90m, 365d or 10y']);
});

needing(test, { tools: ['python3'] })("CIDRs: host bits, overlap and containment agree with Python's ipaddress", () => {
  const blocks = ['10.244.0.0/16', '10.244.128.0/20', '10.96.0.0/12', '10.0.0.0/8', 'fd00:10:244::/56', 'fd00::/8'];
  const addresses = ['10.244.3.7', '10.96.0.1', '192.0.2.1', 'fd00:10:244::5', '2001:db8::1'];
  const invalid = ['10.244.1.0/16', '10.244.0.0/33', 'fd00:10:244::1/56', '10.244.0.0/-1', '10.244.0.0/16/1'];
  const script = `
import ipaddress, json, sys
blocks, addresses, invalid = json.loads(sys.argv[1])
def strict(text):
    try:
        ipaddress.ip_network(text, strict=True); return True
    except ValueError:
        return False
nets = [ipaddress.ip_network(b) for b in blocks]
print(json.dumps({
  "overlaps": [[a.version == b.version and a.overlaps(b) for b in nets] for a in nets],
  "contains": [[ipaddress.ip_address(x).version == n.version and ipaddress.ip_address(x) in n for x in addresses] for n in nets],
  "valid": [strict(t) for t in invalid],
}))`;
  const python = JSON.parse(
    execFileSync('python3', ['-c', script, JSON.stringify([blocks, addresses, invalid])], { encoding: 'utf8' }),
  );
  const cidrs = blocks.map((block) => {
    const parsed = parseCidr(block);
    if (typeof parsed === 'string') throw new Error(parsed);
    return parsed;
  });
  assert.equal(
    cidrs.map((a) => cidrs.map((b) => overlaps(a, b))),
    python.overlaps,
  );
  assert.equal(
    cidrs.map((cidr) => addresses.map((address) => contains(cidr, address))),
    python.contains,
  );
  assert.equal(
    invalid.map((text) => typeof parseCidr(text) !== 'string'),
    python.valid,
  );
  // Stricter than Python on purpose: a subnet in the spec always says its prefix.
  assert.type(parseCidr('10.244.0.0'), 'string');
});

test.run();
