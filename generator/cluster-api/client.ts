// A small client for the few Kubernetes API calls kubeseed makes after the cluster is up,
// over Node's own https: mutual TLS with a client certificate from the cluster CA, and the
// server trusted only if its certificate chains to that CA (never the system trust store).
// Every failure becomes a KubeseedError that says which call failed and what to do.
import { request } from 'node:https';
import { KubeseedError } from '../../core/errors.ts';

export interface ClusterCredentials {
  /** https://host:port */
  server: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

export interface CallOptions {
  body?: unknown;
  contentType?: string;
  /** Statuses the caller handles itself besides 2xx (e.g. 404, 409, 429). */
  expect?: readonly number[];
}

const DEFAULT_TIMEOUT_MS = 15_000;

function isTlsTrustFailure(code: string): boolean {
  return /CERT|SELF_SIGNED|ALTNAME|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code) && !/ALERT/.test(code);
}

function statusMessage(body: unknown): string {
  if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  return typeof body === 'string' ? body.slice(0, 200) : '';
}

export class ClusterApi {
  readonly timeoutMs: number;
  /** What the server is, for messages: the API server, or etcd for member calls. */
  readonly serverName: string;

  constructor(
    readonly credentials: ClusterCredentials,
    options: { timeoutMs?: number; serverName?: string } = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.serverName = options.serverName ?? 'API server';
  }

  /** One request; throws only when no HTTP answer came back (unreachable, untrusted, timed out). */
  async request(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
    const url = new URL(path, this.credentials.server);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    return new Promise<ApiResponse>((resolve, reject) => {
      const req = request(
        {
          method,
          hostname: url.hostname.replace(/^\[|\]$/g, ''),
          port: url.port || 443,
          path: `${url.pathname}${url.search}`,
          ca: this.credentials.caCert,
          cert: this.credentials.clientCert,
          key: this.credentials.clientKey,
          timeout: this.timeoutMs,
          headers: {
            accept: 'application/json',
            ...(payload === undefined
              ? {}
              : {
                  'content-type': options.contentType ?? 'application/json',
                  'content-length': Buffer.byteLength(payload),
                }),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', (error) => reject(this.unreachable(error)));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            try {
              body = text === '' ? undefined : JSON.parse(text);
            } catch {
              // A proxy or a non-Kubernetes server: keep the text for the error message.
            }
            resolve({ status: response.statusCode ?? 0, body });
          });
        },
      );
      req.on('timeout', () => {
        req.destroy(Object.assign(new Error(`no answer within ${this.timeoutMs / 1000} s`), { code: 'ETIMEDOUT' }));
      });
      req.on('error', (error) => reject(this.unreachable(error)));
      req.end(payload);
    });
  }

  /**
   * A request whose answer must be 2xx or one of `expect`: 401 and 403 say the credential
   * is not accepted, anything else names the call and the server's message.
   */
  async call(what: string, method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> {
    const response = await this.request(method, path, options);
    if ((response.status >= 200 && response.status < 300) || options.expect?.includes(response.status)) {
      return response;
    }
    const message = statusMessage(response.body);
    const detail = message ? `: ${message}` : '';
    if (response.status === 401) {
      throw new KubeseedError(
        'cluster-refused',
        `the ${this.serverName} at ${this.credentials.server} did not accept kubeseed's admin certificate (401 Unauthorized${detail}) while trying to ${what}; check that --state is this cluster's state directory`,
      );
    }
    if (response.status === 403) {
      throw new KubeseedError(
        'cluster-refused',
        `the ${this.serverName} at ${this.credentials.server} refused to ${what} (403 Forbidden${detail}); kubeseed acts as kubernetes-admin in group kubeadm:cluster-admins: check that the ClusterRoleBinding kubeadm:cluster-admins still exists`,
      );
    }
    throw new KubeseedError(
      'cluster-refused',
      `the ${this.serverName} at ${this.credentials.server} could not ${what} (HTTP ${response.status}${detail})`,
    );
  }

  private unreachable(error: Error): KubeseedError {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const server = this.credentials.server;
    if (isTlsTrustFailure(code)) {
      return new KubeseedError(
        'cluster-unreachable',
        `the server at ${server} is not this cluster's ${this.serverName}: its certificate does not verify against the cluster's CA in the state directory (${code}); check controlPlaneEndpoint and that --state belongs to this cluster`,
      );
    }
    if (/ALERT/.test(code)) {
      return new KubeseedError(
        'cluster-unreachable',
        `the server at ${server} refused kubeseed's client certificate during the TLS handshake (${code}); check that --state belongs to this cluster`,
      );
    }
    return new KubeseedError(
      'cluster-unreachable',
      `cannot reach the cluster's ${this.serverName} at ${server} (${code || error.message}); start a control plane, or check controlPlaneEndpoint and the network from this machine, then run again`,
    );
  }
}
