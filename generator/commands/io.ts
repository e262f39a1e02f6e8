// Where a command writes: the process's streams, or a test's capture (main(argv, io) runs
// in-process). Results go to stdout; warnings, progress and errors to stderr.
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
}

export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr };
