// An HTTP server on the test's own address serving what a stock image downloads: the agent
// binary, a repository's key, a whole apt repository directory. It records every request, and
// can drop connections for a while (a network that is down, then back), so a test waits for
// what the server saw rather than for time.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export interface ServedRequest {
  method: string;
  path: string;
  /** 0 when the connection was dropped without an answer. */
  status: number;
}

type Content = { text: string | Buffer } | { file: string };

export class FileServer {
  readonly requests: ServedRequest[] = [];
  private readonly routes = new Map<string, Content>();
  private readonly directories = new Map<string, string>();
  private readonly drops: Array<{ prefix: string; remaining: number }> = [];
  private server: Server | undefined;
  private listening: { host: string; port: number } | undefined;

  /** Serves `content` (text or bytes, or a file read at request time) at `path`. */
  serve(path: string, content: Content): this {
    this.routes.set(path, content);
    return this;
  }

  /** Serves the files under `dir` below the URL prefix `prefix` (ending in /). */
  serveDirectory(prefix: string, dir: string): this {
    this.directories.set(prefix, dir);
    return this;
  }

  /** Drops (closes without answering) the next `count` requests whose path starts with `prefix`. */
  dropNext(count: number, prefix = '/'): this {
    this.drops.push({ prefix, remaining: count });
    return this;
  }

  async start(host = '127.0.0.1', port = 0): Promise<string> {
    if (this.server) throw new Error('the file server is running already');
    this.server = createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, resolve);
    });
    this.listening = { host, port: (this.server.address() as AddressInfo).port };
    return this.url;
  }

  get url(): string {
    if (!this.listening) throw new Error('the file server is not listening');
    return `http://${this.listening.host}:${this.listening.port}`;
  }

  /** Requests for `path` (or, with a trailing `*`, for paths starting with it). */
  requestsFor(path: string): ServedRequest[] {
    const prefix = path.endsWith('*') ? path.slice(0, -1) : undefined;
    return this.requests.filter((request) =>
      prefix === undefined ? request.path === path : request.path.startsWith(prefix),
    );
  }

  /** Waits until `count` requests match `path`; fails with what was served so far. */
  async waitForRequests(path: string, count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.requestsFor(path).length < count) {
      if (Date.now() > deadline)
        throw new Error(
          `the file server saw ${this.requestsFor(path).length} of ${count} requests for ${path} within ${timeoutMs / 1000} s; it served:\n${this.requests.map((request) => `${request.status} ${request.path}`).join('\n')}`,
        );
      await delay(50);
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    this.server = undefined;
  }

  private resolve(path: string): Content | undefined {
    const route = this.routes.get(path);
    if (route) return route;
    for (const [prefix, dir] of this.directories) {
      if (!path.startsWith(prefix)) continue;
      const relative = normalize(decodeURIComponent(path.slice(prefix.length)));
      if (relative.startsWith('..')) return undefined;
      const file = join(dir, relative);
      if (existsSync(file) && statSync(file).isFile()) return { file };
    }
    return undefined;
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = new URL(request.url ?? '/', 'http://server').pathname;
    const record: ServedRequest = { method: request.method ?? 'GET', path, status: 0 };
    this.requests.push(record);
    const drop = this.drops.find((rule) => rule.remaining > 0 && path.startsWith(rule.prefix));
    if (drop) {
      drop.remaining -= 1;
      request.socket.destroy();
      return;
    }
    const content = request.method === 'GET' || request.method === 'HEAD' ? this.resolve(path) : undefined;
    if (!content) {
      record.status = 404;
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    record.status = 200;
    if ('text' in content) {
      const body = typeof content.text === 'string' ? Buffer.from(content.text) : content.text;
      response.writeHead(200, { 'content-length': body.length });
      response.end(request.method === 'HEAD' ? undefined : body);
      return;
    }
    response.writeHead(200, { 'content-length': statSync(content.file).size });
    if (request.method === 'HEAD') response.end();
    else createReadStream(content.file).pipe(response);
  }
}
