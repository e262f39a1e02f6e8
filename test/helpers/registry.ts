// A real OCI registry for the tests: Debian's docker-registry (distribution 2.8) with its
// own config, filesystem storage in a temp dir and plain HTTP on 127.0.0.1:<free port>;
// images go in with skopeo. Also a small proxy that stands in front of it on loopback to
// count requests, demand token auth, or corrupt one blob on the way.
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { removeTree } from './cleanup.ts';
import { startDaemon } from './daemon.ts';

const run = promisify(execFile);

const REGISTRY_BINARY = '/usr/bin/docker-registry';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** How long a daemon may take to answer on a busy machine. */
const READY_LIMIT_MS = 60_000;

async function waitFor(url: string, process: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_LIMIT_MS;
  while (Date.now() < deadline) {
    if (process.exitCode !== null) throw new Error(`docker-registry exited (${process.exitCode}): ${output()}`);
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`docker-registry did not answer ${url} within ${READY_LIMIT_MS / 1000} s; it printed: ${output()}`);
}

export interface TestRegistry {
  /** host:port, e.g. `127.0.0.1:40123`. */
  host: string;
  storage: string;
  stop(): Promise<void>;
}

export async function startRegistry(): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const storage = join(dir, 'storage');
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storage}`,
      'http:',
      `  addr: ${host}`,
      '',
    ].join('\n'),
  );
  const daemon = startDaemon(REGISTRY_BINARY, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  const { child } = daemon;
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    await daemon.stop();
    await removeTree(dir);
  };
  try {
    await waitFor(`http://${host}/v2/`, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { host, storage, stop };
}

/** Pushes an OCI layout's image (every platform of an index) to the registry with skopeo. */
export async function pushLayout(
  layout: string,
  tag: string,
  destination: string,
  options: { format?: 'oci' | 'v2s2' } = {},
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-skopeo-'));
  const policy = join(dir, 'policy.json');
  writeFileSync(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  try {
    await run(
      'skopeo',
      [
        '--policy',
        policy,
        'copy',
        '--quiet',
        '--all',
        '--dest-tls-verify=false',
        ...(options.format ? ['--format', options.format] : []),
        `oci:${layout}:${tag}`,
        `docker://${destination}`,
      ],
      { env: { ...process.env, TMPDIR: dir } },
    );
  } finally {
    await removeTree(dir);
  }
}

export interface ProxyOptions {
  /** Answer 401 with a Bearer challenge unless the request carries the token the proxy issues. */
  requireToken?: boolean;
  /** Flip one byte in the middle of this blob's body. */
  corruptBlob?: string;
  /** Close the connection after this many body bytes of this blob (once). */
  cutBlob?: { digest: string; after: number };
  /** Answer blob requests with a redirect to the same path on this host:port (a CDN). */
  redirectBlobsTo?: string;
}

export interface TestProxy {
  host: string;
  /** Every request's method and path (with query), in order. */
  requests: string[];
  /** Range headers of blob requests, by digest. */
  ranges: Map<string, string>;
  /** Query strings the token endpoint was called with. */
  tokenRequests: URLSearchParams[];
  /** The Authorization header of every request (undefined when absent), in order. */
  authorizations: Array<string | undefined>;
  stop(): Promise<void>;
}

const TOKEN = 'kubeseed-test-token';

/** A proxy on 127.0.0.1 in front of `target` (host:port). */
export async function startProxy(target: string, options: ProxyOptions = {}): Promise<TestProxy> {
  const requests: string[] = [];
  const ranges = new Map<string, string>();
  const tokenRequests: URLSearchParams[] = [];
  const authorizations: Array<string | undefined> = [];
  let cut = options.cutBlob;
  let host = '';
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    authorizations.push(req.headers.authorization);
    if (url.pathname === '/token') {
      tokenRequests.push(url.searchParams);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: TOKEN }));
      return;
    }
    if (options.requireToken && req.headers.authorization !== `Bearer ${TOKEN}`) {
      const repository = /^\/v2\/(.+)\/(?:manifests|blobs)\//.exec(url.pathname)?.[1];
      const scope = repository ? `,scope="repository:${repository}:pull"` : '';
      res.writeHead(401, {
        'www-authenticate': `Bearer realm="http://${host}/token",service="kubeseed-test"${scope}`,
        'content-type': 'application/json',
      });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    const blob = /\/blobs\/(sha256:[a-f0-9]{64})$/.exec(url.pathname)?.[1];
    if (blob && req.headers.range) ranges.set(blob, req.headers.range);
    if (blob && options.redirectBlobsTo) {
      res.writeHead(307, { location: `http://${options.redirectBlobsTo}${url.pathname}` }).end();
      return;
    }
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: Number(target.split(':')[1]),
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        let offset = 0;
        answer.on('data', (chunk: Buffer) => {
          if (blob && blob === options.corruptBlob) {
            const middle = Number(answer.headers['content-length'] ?? 0) >> 1;
            if (middle >= offset && middle < offset + chunk.length) {
              chunk = Buffer.from(chunk);
              chunk[middle - offset] = chunk[middle - offset]! ^ 0xff;
            }
          }
          if (blob && cut && blob === cut.digest && offset + chunk.length > cut.after) {
            res.write(chunk.subarray(0, cut.after - offset));
            cut = undefined;
            res.socket?.destroy();
            answer.destroy();
            return;
          }
          offset += chunk.length;
          res.write(chunk);
        });
        answer.on('end', () => res.end());
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    requests,
    ranges,
    tokenRequests,
    authorizations,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
