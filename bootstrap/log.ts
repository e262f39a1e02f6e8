// One line per event — `RFC3339-time LEVEL phase message` — on stdout (the journal) and
// appended to /var/log/kubeseed-boot.log. Lines wait in memory until recording starts
// (a valid bundle), so an invalid bundle leaves no log file behind.
import type { Host } from './host.ts';
import { LOG_PATH } from './paths.ts';
import { redact } from './redact.ts';

export type Level = 'INFO' | 'WARN' | 'ERROR';

export interface PhaseLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export class Logger {
  private pending: string[] = [];
  private recording = false;
  private writes: Promise<void> = Promise.resolve();
  private fileFailed = false;

  constructor(private readonly host: Host) {}

  write(level: Level, phase: string, message: string): void {
    const text = redact(message).replace(/\s*\n\s*/g, ' | ');
    const line = `${this.host.now().toISOString()} ${level} ${phase} ${text}\n`;
    this.host.print('stdout', line);
    if (this.recording) this.append(line);
    else this.pending.push(line);
  }

  for(phase: string): PhaseLog {
    return {
      info: (message) => this.write('INFO', phase, message),
      warn: (message) => this.write('WARN', phase, message),
      error: (message) => this.write('ERROR', phase, message),
    };
  }

  startRecording(): void {
    if (this.recording) return;
    this.recording = true;
    this.append(this.pending.join(''));
    this.pending = [];
  }

  /** Waits for queued appends; called before the process exits. */
  async flush(): Promise<void> {
    await this.writes;
  }

  private append(text: string): void {
    if (!text) return;
    this.writes = this.writes.then(() =>
      this.host.appendFile(LOG_PATH, text, 0o600).catch((error: Error) => {
        // The journal still has every line; one warning is enough.
        if (!this.fileFailed) this.host.print('stderr', `warning: cannot append to ${LOG_PATH}: ${error.message}\n`);
        this.fileFailed = true;
      }),
    );
  }
}
