// Step progress on stderr while kubeseed writes into a disk image. A terminal gets one
// redrawn bar; a log (not a terminal) gets one line per step, and only for images big
// enough that the wait is noticeable, so scripted small runs stay quiet.
const LARGE_IMAGE_BYTES = 256 * 1024 * 1024;
const BAR_WIDTH = 20;

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface Progress {
  step(label: string): void;
  done(): void;
}

export const NO_PROGRESS: Progress = { step() {}, done() {} };

export function stepProgress(total: number, imageBytes: number, stream: ProgressStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  if (!tty && imageBytes < LARGE_IMAGE_BYTES) return NO_PROGRESS;
  let current = 0;
  return {
    step(label) {
      current = Math.min(current + 1, total);
      if (!tty) {
        stream.write(`[${current}/${total}] ${label}\n`);
        return;
      }
      const filled = Math.round((current / total) * BAR_WIDTH);
      // \r and "erase to end of line" redraw the bar in place.
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${current}/${total} ${label}\x1b[K`);
    },
    done() {
      if (tty) stream.write('\n');
    },
  };
}
