// Everything kubeseed-boot does to the machine goes through one Host, so the real agent
// runs unchanged against a temporary root with stand-in executables in tests.
//
// Paths given to a Host are the machine's absolute paths (`/etc/kubernetes/pki/ca.crt`);
// the Host maps them under its root prefix. Commands are not chrooted: they get the same
// machine paths in their arguments, so a stand-in must map them under the root itself.
//
// How tests point the agent at a root: construct `new NodeHost({ root, env })` in-process,
// or start the agent with KUBESEED_BOOT_ROOT=DIR (and optionally
// KUBESEED_BOOT_RETRY_BASE_MS=N to shorten backoff) — see NodeHost.fromEnvironment. These
// variables are for tests only; the systemd unit sets neither, so the root is `/`.

export interface CommandOptions {
  stdin?: string;
  /** Added to the agent's own environment. */
  env?: Record<string, string>;
  /** The command is killed (SIGKILL) after this long and reported as timed out. */
  timeoutMs?: number;
}

export interface CommandResult {
  /** Exit code; 128+N when killed by signal N, 127 when the executable is missing (as a shell reports). */
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface FileInfo {
  type: 'file' | 'directory' | 'socket' | 'other';
  /** Permission bits only, e.g. 0o600. */
  mode: number;
  size: number;
}

export interface MachineFacts {
  /** As the kernel names it: `x86_64`, `aarch64`. */
  arch: string;
  cpus: number;
  memoryBytes: number;
}

/** The file is in place (written atomically) with its digests, or why the transfer failed. */
export type DownloadResult =
  | { ok: true; bytes: number; sha256: string; sha512: string }
  | { ok: false; reason: string };

export interface DownloadOptions {
  mode: number;
  /** Fails the transfer after this long without a byte: a large file may take longer as a whole. */
  idleTimeoutMs: number;
}

/** Any HTTP status means a verified TLS handshake completed; otherwise why it failed. */
export type HttpsProbe = { ok: true; status: number } | { ok: false; reason: string };

/** A lock this process holds, or the description its holder gave (undefined when it did not answer). */
export type LockAttempt = { held: true; release(): Promise<void> } | { held: false; holder: string | undefined };

export interface Host {
  run(argv: readonly string[], options?: CommandOptions): Promise<CommandResult>;
  /** Absolute path of an executable on the agent's PATH. */
  findExecutable(name: string): Promise<string | undefined>;

  /** UTF-8 text, or undefined when the file does not exist. */
  readFile(path: string): Promise<string | undefined>;
  /** The bytes as they are (gzip user-data, a pickle), or undefined when the file does not exist. */
  readBytes(path: string): Promise<Uint8Array | undefined>;
  /** Streams a file (large image archives are hashed without loading them whole). */
  readStream(path: string): AsyncIterable<Uint8Array>;
  /** Atomic: a temp file beside the target, fsync, rename, fsync of the directory; parents created 0755. */
  writeFile(path: string, content: string | Uint8Array, mode: number): Promise<void>;
  appendFile(path: string, content: string, mode: number): Promise<void>;
  /** Creates the directory and its parents; the last one gets `mode` even when it already existed. */
  makeDirectory(path: string, mode: number): Promise<void>;
  /** Recursive; absent paths are fine. */
  remove(path: string): Promise<void>;
  /** Moves a file; across filesystems it is copied (keeping its mode) and the source removed. */
  rename(from: string, to: string): Promise<void>;
  stat(path: string): Promise<FileInfo | undefined>;
  /** Entry names, or undefined when the directory does not exist. */
  list(path: string): Promise<string[] | undefined>;

  now(): Date;
  sleep(ms: number): Promise<void>;
  /** Base delay of retry backoff, of the API server probe cadence and of the maintenance commands' wait for the agent lock: 1 s on a machine, a few ms in tests. */
  readonly retryBaseDelayMs: number;

  print(stream: 'stdout' | 'stderr', text: string): void;

  /**
   * Takes the machine-wide lock `name` at once or reports its holder; never waits. The
   * kernel frees it when the holding process ends, however it ends, so a crash leaves no
   * stale lock. `description` is what a process that finds it taken is told.
   */
  lock(name: string, description: string): Promise<LockAttempt>;
  machine(): Promise<MachineFacts>;

  tcpConnect(host: string, port: number, timeoutMs: number): Promise<boolean>;
  /** GET over TLS verified against `caPem` only (not the system trust store). */
  httpsGet(url: string, caPem: string, timeoutMs: number): Promise<HttpsProbe>;
  /**
   * GET over HTTP or HTTPS (verified against the system's and Node's trusted CAs), following
   * redirects, streamed into `path`: what package repositories and release files are fetched with.
   * The caller checks the digests; a transfer that fails leaves nothing at `path`.
   */
  download(url: string, path: string, options: DownloadOptions): Promise<DownloadResult>;
}
