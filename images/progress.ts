// Download progress on stderr, so stdout stays for results. A terminal gets one bar redrawn
// in place; a log (CI, a pipe) gets a line per image and a summary, never a wall of \r.

export interface Progress {
  /** A one-line event, e.g. an image resolved. */
  note(line: string): void;
  /** Downloads begin: how many bytes and blobs are still to fetch. */
  start(totalBytes: number, blobs: number): void;
  /** Bytes held so far, and blobs completed. */
  update(doneBytes: number, doneBlobs: number): void;
  finish(): void;
}

export const silentProgress: Progress = { note() {}, start() {}, update() {}, finish() {} };

const WIDTH = 30;
const REDRAW_MS = 100;

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function progressBar(doneBytes: number, totalBytes: number, doneBlobs: number, blobs: number): string {
  const fraction = totalBytes === 0 ? 1 : Math.min(1, doneBytes / totalBytes);
  const filled = Math.round(fraction * WIDTH);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${percent} ${formatBytes(doneBytes)} / ${formatBytes(totalBytes)}, ${doneBlobs}/${blobs} blobs`;
}

/** Where progress goes: stderr, or a test's capture. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export function stderrProgress(stream: ProgressStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  let total = 0;
  let count = 0;
  let lastDraw = 0;
  let state = { bytes: 0, blobs: 0 };
  const draw = (force: boolean) => {
    const now = Date.now();
    if (!tty || (!force && now - lastDraw < REDRAW_MS)) return;
    lastDraw = now;
    stream.write(`\r${progressBar(state.bytes, total, state.blobs, count)}\x1b[K`);
  };
  return {
    note(line) {
      stream.write(tty && lastDraw > 0 ? `\r\x1b[K${line}\n` : `${line}\n`);
      if (lastDraw > 0) draw(true);
    },
    start(totalBytes, blobs) {
      total = totalBytes;
      count = blobs;
      if (!tty) stream.write(`downloading ${blobs} blobs, ${formatBytes(totalBytes)}\n`);
      draw(true);
    },
    update(doneBytes, doneBlobs) {
      state = { bytes: doneBytes, blobs: doneBlobs };
      draw(doneBlobs === count);
    },
    finish() {
      if (tty && lastDraw > 0) {
        draw(true);
        stream.write('\n');
      } else if (!tty) {
        stream.write(`downloaded ${formatBytes(state.bytes)} in ${state.blobs} blobs\n`);
      }
    },
  };
}
