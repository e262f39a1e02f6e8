// The Host on a real machine (root `/`) or on a temporary root in tests.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  access,
  appendFile,
  chmod,
  constants,
  copyFile,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
} from 'node:fs/promises';
import { type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { connect, createServer } from 'node:net';
import { cpus, machine, constants as osConstants, totalmem } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import * as tls from 'node:tls';
import { atomicWrite, renameDurably } from '../core/atomic-write.ts';
import { KubeseedError } from '../core/errors.ts';
import type {
  CommandOptions,
  CommandResult,
  DownloadOptions,
  DownloadResult,
  FileInfo,
  Host,
  HttpsProbe,
  LockAttempt,
  MachineFacts,
} from './host.ts';

export const ROOT_ENV = 'KUBESEED_BOOT_ROOT';
/** pkgs.k8s.io answers with a redirect to its CDN, GitHub release assets with one to their storage. */
const MAX_REDIRECTS = 5;
export const RETRY_BASE_ENV = 'KUBESEED_BOOT_RETRY_BASE_MS';
/** How long a process that finds a lock taken waits for its holder to say who it is. */
const LOCK_HOLDER_TIMEOUT_MS = 5_000;

export interface NodeHostOptions {
  root?: string;
  /** The environment commands run with and PATH is searched in. */
  env?: NodeJS.ProcessEnv;
  retryBaseDelayMs?: number;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function askHolder(address: string): Promise<string | undefined> {
  return new Promise((done) => {
    const socket = connect(address);
    const chunks: Buffer[] = [];
    socket.setTimeout(LOCK_HOLDER_TIMEOUT_MS, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => done(chunks.length > 0 ? Buffer.concat(chunks).toString('utf8') : undefined));
  });
}

export class NodeHost implements Host {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly retryBaseDelayMs: number;

  constructor(options: NodeHostOptions = {}) {
    this.root = resolve(options.root ?? '/');
    this.env = options.env ?? process.env;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 1000;
  }

  static fromEnvironment(env: NodeJS.ProcessEnv): NodeHost {
    const base = env[RETRY_BASE_ENV];
    return new NodeHost({
      root: env[ROOT_ENV] || '/',
      env,
      ...(base && /^\d+$/.test(base) ? { retryBaseDelayMs: Number(base) } : {}),
    });
  }

  /** Maps a machine path under the root; a relative path or one escaping the root is a bug. */
  resolvePath(path: string): string {
    if (!path.startsWith('/'))
      throw new KubeseedError('internal', `internal error: ${JSON.stringify(path)} is not an absolute path`);
    const mapped = resolve(this.root, `.${path}`);
    if (mapped !== this.root && !mapped.startsWith(this.root === '/' ? '/' : `${this.root}/`)) {
      throw new KubeseedError('internal', `internal error: ${JSON.stringify(path)} leaves the root`);
    }
    return mapped;
  }

  run(argv: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
    const [command, ...args] = argv;
    if (command === undefined) throw new KubeseedError('internal', 'internal error: empty command');
    return new Promise((done) => {
      const child = spawn(command, args, { env: { ...this.env, ...options.env }, stdio: 'pipe' });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let timedOut = false;
      let settled = false;
      const finish = (result: CommandResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        done(result);
      };
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              child.kill('SIGKILL');
            }, options.timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', (error: NodeJS.ErrnoException) => {
        finish({
          code: error.code === 'ENOENT' ? 127 : 126,
          stdout: '',
          stderr: `${command}: ${error.message}`,
          timedOut,
        });
      });
      child.on('close', (code, signal) => {
        finish({
          code: code ?? 128 + (signal ? osConstants.signals[signal] : 0),
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
          timedOut,
        });
      });
      // A command that exits without reading its stdin closes the pipe under us: not an error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.stdin ?? '');
    });
  }

  async findExecutable(name: string): Promise<string | undefined> {
    for (const dir of (this.env.PATH ?? '').split(delimiter)) {
      if (!dir) continue;
      const candidate = join(dir, name);
      try {
        await access(candidate, constants.X_OK);
        if ((await stat(candidate)).isFile()) return candidate;
      } catch {
        // not in this directory
      }
    }
    return undefined;
  }

  async readFile(path: string): Promise<string | undefined> {
    try {
      return await readFile(this.resolvePath(path), 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async readBytes(path: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.resolvePath(path));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  readStream(path: string): AsyncIterable<Uint8Array> {
    return createReadStream(this.resolvePath(path));
  }

  async writeFile(path: string, content: string | Uint8Array, mode: number): Promise<void> {
    const target = this.resolvePath(path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await atomicWrite(target, content, { mode });
  }

  async appendFile(path: string, content: string, mode: number): Promise<void> {
    const target = this.resolvePath(path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await appendFile(target, content, { mode });
  }

  async makeDirectory(path: string, mode: number): Promise<void> {
    const target = this.resolvePath(path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await mkdir(target, { recursive: true, mode });
    await chmod(target, mode);
  }

  async remove(path: string): Promise<void> {
    await rm(this.resolvePath(path), { recursive: true, force: true });
  }

  async rename(from: string, to: string): Promise<void> {
    const source = this.resolvePath(from);
    const target = this.resolvePath(to);
    try {
      await renameDurably(source, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      await copyFile(source, `${target}.kubeseed-tmp`);
      await chmod(`${target}.kubeseed-tmp`, (await stat(source)).mode & 0o777);
      await rename(`${target}.kubeseed-tmp`, target);
      await rm(source, { force: true });
    }
  }

  async stat(path: string): Promise<FileInfo | undefined> {
    try {
      const info = await stat(this.resolvePath(path));
      const type = info.isFile() ? 'file' : info.isDirectory() ? 'directory' : info.isSocket() ? 'socket' : 'other';
      return { type, mode: info.mode & 0o777, size: info.size };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async list(path: string): Promise<string[] | undefined> {
    try {
      return (await readdir(this.resolvePath(path))).sort();
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  now(): Date {
    return new Date();
  }

  async sleep(ms: number): Promise<void> {
    await delay(ms);
  }

  print(stream: 'stdout' | 'stderr', text: string): void {
    (stream === 'stdout' ? process.stdout : process.stderr).write(text);
  }

  /** Reads the root's /proc so a test root can describe any machine; falls back to the OS. */
  async machine(): Promise<MachineFacts> {
    const arch = (await this.readFile('/proc/sys/kernel/arch'))?.trim() || machine();
    const cpuinfo = await this.readFile('/proc/cpuinfo');
    const processors = cpuinfo?.match(/^processor\s*:/gm)?.length;
    const memTotal = (await this.readFile('/proc/meminfo'))?.match(/^MemTotal:\s*(\d+)\s*kB/m)?.[1];
    return {
      arch,
      cpus: processors || cpus().length,
      memoryBytes: memTotal ? Number(memTotal) * 1024 : totalmem(),
    };
  }

  /**
   * A socket bound in Linux's abstract namespace: binding is atomic, and the kernel unbinds
   * it when the process ends, so there is no lock file to go stale. Its holder answers
   * every connection with its description. One per root: a test root is another machine.
   * The namespace belongs to the network namespace, which a machine's agents share.
   */
  async lock(name: string, description: string): Promise<LockAttempt> {
    const suffix = this.root === '/' ? '' : `.${createHash('sha256').update(this.root).digest('hex').slice(0, 16)}`;
    const address = `\0kubeseed-boot.${name}${suffix}`;
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.end(description);
    });
    const bound = await new Promise<NodeJS.ErrnoException | undefined>((done) => {
      server.once('error', done);
      server.listen(address, () => done(undefined));
    });
    if (bound === undefined) {
      // The lock must not keep a finished process alive.
      server.unref();
      return { held: true, release: () => new Promise((done) => server.close(() => done())) };
    }
    if (bound.code !== 'EADDRINUSE') throw bound;
    return { held: false, holder: await askHolder(address) };
  }

  tcpConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
    return new Promise((done) => {
      const socket = connect({ host, port });
      const finish = (ok: boolean) => {
        socket.destroy();
        done(ok);
      };
      socket.setTimeout(timeoutMs, () => finish(false));
      socket.once('connect', () => finish(true));
      socket.once('error', () => finish(false));
    });
  }

  httpsGet(url: string, caPem: string, timeoutMs: number): Promise<HttpsProbe> {
    return new Promise((done) => {
      const target = new URL(url);
      const hostname = target.hostname.replace(/^\[|\]$/g, '');
      const req = request(
        {
          method: 'GET',
          hostname,
          port: target.port || 443,
          path: `${target.pathname}${target.search}`,
          ca: caPem,
          agent: false,
          timeout: timeoutMs,
        },
        (response) => {
          response.resume();
          done({ ok: true, status: response.statusCode ?? 0 });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (error) => done({ ok: false, reason: error.message }));
      req.end();
    });
  }

  async download(url: string, path: string, options: DownloadOptions): Promise<DownloadResult> {
    const target = this.resolvePath(path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    try {
      const response = await get(url, options.idleTimeoutMs);
      const sha256 = createHash('sha256');
      const sha512 = createHash('sha512');
      let bytes = 0;
      const expected = response.headers['content-length'];
      async function* hashed(): AsyncIterable<Uint8Array> {
        for await (const chunk of response as AsyncIterable<Buffer>) {
          sha256.update(chunk);
          sha512.update(chunk);
          bytes += chunk.length;
          yield chunk;
        }
        if (expected !== undefined && Number(expected) !== bytes)
          throw new Error(`the connection closed after ${bytes} of ${expected} bytes`);
      }
      await atomicWrite(target, hashed(), { mode: options.mode });
      return { ok: true, bytes, sha256: sha256.digest('hex'), sha512: sha512.digest('hex') };
    } catch (error) {
      return { ok: false, reason: `${url}: ${(error as Error).message}` };
    }
  }
}

/** Node's bundled CAs plus the system's (which a site's own mirror is signed by), where this Node can read them. */
function trustedCas(): string[] | undefined {
  const read = (tls as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  if (!read) return undefined;
  try {
    return [...read('bundled'), ...read('system')];
  } catch {
    return undefined;
  }
}

/** A 200 response to GET `url`, after redirects; anything else is an error saying what came back. */
function get(url: string, idleTimeoutMs: number, redirects = 0): Promise<IncomingMessage> {
  return new Promise((resolveResponse, reject) => {
    const target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:')
      return reject(new Error(`${target.protocol} URLs cannot be downloaded; use http or https`));
    const onResponse = (response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location !== undefined) {
        response.resume();
        if (redirects >= MAX_REDIRECTS) return reject(new Error(`more than ${MAX_REDIRECTS} redirects`));
        return get(new URL(location, target).href, idleTimeoutMs, redirects + 1).then(resolveResponse, reject);
      }
      if (status !== 200) {
        response.resume();
        return reject(new Error(`HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}`));
      }
      response.setTimeout(idleTimeoutMs, () =>
        response.destroy(new Error(`no data for ${idleTimeoutMs / 1000} s in the middle of the transfer`)),
      );
      resolveResponse(response);
    };
    const req: ClientRequest =
      target.protocol === 'https:'
        ? request(target, { agent: false, timeout: idleTimeoutMs, ca: trustedCas() }, onResponse)
        : httpRequest(target, { agent: false, timeout: idleTimeoutMs }, onResponse);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${idleTimeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}
