// A pull-only client for the OCI distribution API (opencontainers/distribution-spec):
// GET /v2/<name>/manifests/<tag|digest> with an Accept list of every manifest type, and
// GET /v2/<name>/blobs/<digest> streamed to disk with its sha256 checked on the way. Auth is
// the anonymous token dance (auth.ts); redirects are followed by hand so a token is only
// ever sent to the host it was issued for (blob downloads commonly redirect to a CDN).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import { renameDurably } from '../../core/atomic-write.ts';
import { KubeseedError } from '../../core/errors.ts';
import { apiHost, type ImageReference } from '../../core/image-reference.ts';
import { fetchToken, parseChallenge, pullScope } from './auth.ts';
import {
  ACCEPTED_MANIFEST_TYPES,
  type Descriptor,
  type ImageDocument,
  MAX_MANIFEST_BYTES,
  parseImageDocument,
} from './documents.ts';

export interface RegistryClientOptions {
  /** Let registries that do not speak TLS be reached over plain HTTP (a local mirror). */
  insecure?: boolean;
  /** For tests that stand between the client and the network. */
  fetch?: typeof fetch;
  /** Pause before retry n (1-based) of a failed request; tests shorten it. */
  retryDelayMs?: (attempt: number) => number;
}

export interface FetchedManifest {
  descriptor: Descriptor;
  bytes: Buffer;
  document: ImageDocument;
}

interface RequestOptions {
  accept?: string;
  /** Ask for the bytes from this offset on (a blob download resuming). */
  from?: number;
}

const MAX_REDIRECTS = 5;
const ATTEMPTS = 3;
const PROBE_TIMEOUT_MS = 10_000;

/** A failure worth another try: the connection, not the content. */
class TransientError extends Error {}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function imageName(image: ImageReference): string {
  return `${image.registry}/${image.repository}`;
}

async function registryErrors(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
    const errors = (body.errors ?? []).map((error) => [error.code, error.message].filter(Boolean).join(': '));
    if (errors.length > 0) return errors.join('; ');
  } catch {
    // Not the registry's JSON error body: a proxy or CDN page; the status says enough.
  }
  return `HTTP ${response.status}`;
}

async function fileSize(path: string): Promise<number | undefined> {
  return (await stat(path).catch(() => undefined))?.size;
}

export class RegistryClient {
  readonly #insecure: boolean;
  readonly #fetch: typeof fetch;
  readonly #retryDelayMs: (attempt: number) => number;
  readonly #origins = new Map<string, Promise<string>>();
  readonly #tokens = new Map<string, Promise<string>>();

  constructor(options: RegistryClientOptions = {}) {
    this.#insecure = options.insecure ?? false;
    this.#fetch = options.fetch ?? fetch;
    this.#retryDelayMs = options.retryDelayMs ?? ((attempt) => 500 * 2 ** (attempt - 1));
  }

  /** Fetches a manifest or index by tag or digest; its digest is computed from the bytes served and checked. */
  async getManifest(image: ImageReference, reference: string): Promise<FetchedManifest> {
    const where = `${imageName(image)}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`;
    const response = await this.#withRetries(() =>
      this.#request(image, `manifests/${reference}`, { accept: ACCEPTED_MANIFEST_TYPES.join(', ') }),
    );
    if (!response.ok) throw await this.#failure(response, `${where}: cannot get the manifest from ${image.registry}`);
    const tooLarge = new KubeseedError(
      'protocol',
      `${where}: the manifest ${image.registry} serves is larger than ${MAX_MANIFEST_BYTES} bytes; that is no image manifest`,
    );
    if (Number(response.headers.get('content-length') ?? 0) > MAX_MANIFEST_BYTES) {
      await response.body?.cancel();
      throw tooLarge;
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    if (bytes.length > MAX_MANIFEST_BYTES) throw tooLarge;
    const digest = sha256(bytes);
    const served = response.headers.get('docker-content-digest');
    const expected = reference.startsWith('sha256:') ? reference : served;
    if (expected && expected !== digest) {
      throw new KubeseedError(
        'integrity',
        `${where}: ${image.registry} served a manifest whose sha256 is ${digest}, not ${expected}; the registry or something between returned corrupted data`,
      );
    }
    const document = parseImageDocument(bytes, response.headers.get('content-type') ?? undefined, where);
    return { descriptor: { mediaType: document.mediaType, digest, size: bytes.length }, bytes, document };
  }

  /**
   * Streams a blob to `destination`, which gets its name only once size and sha256 match, so a
   * file there is always complete and verified: it is not downloaded again. An interrupted
   * download stays at `<destination>.partial` and the next call asks for the rest (HTTP Range).
   * `onProgress` gets the bytes of this blob held so far.
   */
  async downloadBlob(
    image: ImageReference,
    blob: Descriptor,
    destination: string,
    onProgress?: (bytes: number) => void,
  ): Promise<void> {
    if ((await fileSize(destination)) !== undefined) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#downloadOnce(image, blob, destination, onProgress);
        return;
      } catch (error) {
        if (!(error instanceof TransientError)) throw error;
        if (attempt === ATTEMPTS) {
          throw new KubeseedError(
            'network',
            `blob ${blob.digest} of ${imageName(image)} from ${image.registry}: ${error.message} (${ATTEMPTS} tries); run the same command again to resume`,
          );
        }
        await sleep(this.#retryDelayMs(attempt));
      }
    }
  }

  async #downloadOnce(
    image: ImageReference,
    blob: Descriptor,
    destination: string,
    onProgress?: (bytes: number) => void,
  ): Promise<void> {
    const partial = `${destination}.partial`;
    let hash = createHash('sha256');
    let offset = (await fileSize(partial)) ?? 0;
    if (offset >= blob.size) offset = 0;
    if (offset > 0) {
      for await (const chunk of createReadStream(partial)) hash.update(chunk as Buffer);
    }
    const response = await this.#request(image, `blobs/${blob.digest}`, offset > 0 ? { from: offset } : {});
    if (
      offset > 0 &&
      response.status === 206 &&
      !response.headers.get('content-range')?.startsWith(`bytes ${offset}-`)
    ) {
      await response.body?.cancel();
      await rm(partial, { force: true });
      throw new TransientError(
        `asked for the bytes from ${offset} on, the registry sent ${response.headers.get('content-range')}`,
      );
    }
    if (offset > 0 && response.status !== 206) {
      // The registry ignores Range and sends the whole blob: start over.
      offset = 0;
      hash = createHash('sha256');
    }
    if (!response.ok) {
      if (response.status >= 500 || response.status === 429) throw new TransientError(await registryErrors(response));
      throw await this.#failure(
        response,
        `blob ${blob.digest} of ${imageName(image)}: cannot download it from ${image.registry}`,
      );
    }
    if (!response.body) throw new TransientError('the response has no body');
    let received = offset;
    onProgress?.(received);
    const tooLong = new KubeseedError(
      'integrity',
      `blob ${blob.digest} of ${imageName(image)} from ${image.registry} is longer than the ${blob.size} bytes its manifest says; the registry served other content`,
    );
    try {
      await pipeline(
        Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            received += chunk.length;
            if (received > blob.size) throw tooLong;
            hash.update(chunk);
            onProgress?.(received);
            yield chunk;
          }
        },
        createWriteStream(partial, { flags: offset > 0 ? 'a' : 'w' }),
      );
    } catch (error) {
      if (error === tooLong) {
        await rm(partial, { force: true });
        throw error;
      }
      throw new TransientError(
        `the download broke off after ${received} of ${blob.size} bytes (${(error as Error).message})`,
      );
    }
    if (received < blob.size) throw new TransientError(`the download ended after ${received} of ${blob.size} bytes`);
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== blob.digest) {
      await rm(partial, { force: true });
      throw new KubeseedError(
        'integrity',
        `blob ${blob.digest} of ${imageName(image)} from ${image.registry} does not match its digest: the bytes served hash to ${actual}. The registry (or a proxy between) served corrupted data; nothing of it was kept. Run the command again; if it repeats, repair or re-push the image on the registry`,
      );
    }
    await renameDurably(partial, destination);
  }

  async #failure(response: Response, what: string): Promise<KubeseedError> {
    const detail = await registryErrors(response);
    const { status } = response;
    if (status === 404)
      return new KubeseedError(
        'invalid-input',
        `${what} (${detail}): not there — check the name and tag, or that the mirror holds the image`,
      );
    if (status === 401 || status === 403)
      return new KubeseedError(
        'unsupported',
        `${what} (${detail}): access refused — the repository is private, or does not exist`,
      );
    if (status === 429)
      return new KubeseedError('network', `${what} (${detail}): rate limited — wait, then run the same command again`);
    // Server errors are retried before they get here; what is left is an answer outside the protocol.
    return new KubeseedError(status >= 500 ? 'network' : 'protocol', `${what} (${detail})`);
  }

  /** Retries network failures and server errors; other answers go back to the caller. */
  async #withRetries(send: () => Promise<Response>): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await send();
        if ((response.status < 500 && response.status !== 429) || attempt === ATTEMPTS) return response;
        await response.body?.cancel();
      } catch (error) {
        if (!(error instanceof TransientError) || attempt === ATTEMPTS) {
          throw error instanceof TransientError
            ? new KubeseedError('network', `${error.message} (${ATTEMPTS} tries)`)
            : error;
        }
      }
      await sleep(this.#retryDelayMs(attempt));
    }
  }

  async #request(image: ImageReference, path: string, options: RequestOptions): Promise<Response> {
    const scope = pullScope(image.repository);
    let url = new URL(`${await this.#origin(image.registry)}/v2/${image.repository}/${path}`);
    let authorized = false;
    for (let hop = 0; hop <= MAX_REDIRECTS; ) {
      const token = await this.#tokens.get(`${url.origin} ${scope}`);
      const headers: Record<string, string> = {};
      if (options.accept) headers.accept = options.accept;
      if (options.from !== undefined) headers.range = `bytes=${options.from}-`;
      if (token) headers.authorization = `Bearer ${token}`;
      const response = await this.#send(url, headers, image.registry);
      const challenge = response.headers.get('www-authenticate');
      if (response.status === 401 && challenge && !authorized) {
        await response.body?.cancel();
        authorized = true;
        const key = `${url.origin} ${scope}`;
        const pending = fetchToken(parseChallenge(challenge), scope, image.registry, this.#fetch);
        this.#tokens.set(key, pending);
        // A failed token request must not poison later requests.
        pending.catch(() => this.#tokens.delete(key));
        await pending;
        continue;
      }
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        url = new URL(location, url);
        authorized = false;
        hop++;
        continue;
      }
      return response;
    }
    throw new KubeseedError('protocol', `${image.registry}: more than ${MAX_REDIRECTS} redirects for ${path}`);
  }

  async #send(url: URL, headers: Record<string, string>, registry: string): Promise<Response> {
    try {
      return await this.#fetch(url, { headers, redirect: 'manual' });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      const hint = url.protocol === 'https:' && !this.#insecure ? ' (a plain-HTTP mirror needs --insecure)' : '';
      throw new TransientError(`cannot reach ${registry} at ${url.origin}: ${reason}${hint}`);
    }
  }

  /** https://<host>, or with `insecure` http://<host> when the registry does not answer TLS. */
  #origin(registry: string): Promise<string> {
    const host = apiHost(registry);
    let origin = this.#origins.get(host);
    if (!origin) {
      origin = this.#insecure
        ? this.#fetch(`https://${host}/v2/`, {
            redirect: 'manual',
            signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
          }).then(
            async (response) => {
              await response.body?.cancel();
              return `https://${host}`;
            },
            () => `http://${host}`,
          )
        : Promise.resolve(`https://${host}`);
      this.#origins.set(host, origin);
    }
    return origin;
  }
}
