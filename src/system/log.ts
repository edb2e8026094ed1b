import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../core/context.js';
import { Redactor } from '../core/redact.js';

/**
 * Appends timestamped lines to one log file per run. Every line goes through the run's redactor: registered
 * secrets in each of their forms, and credentials inside URLs, are replaced by [redacted].
 */
export class FileLogger implements Logger {
  readonly path: string;
  private readonly redactor = new Redactor();
  private ready = false;

  constructor(dir: string, command: string, now = new Date()) {
    const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
    this.path = join(dir, `${command}-${stamp}-${process.pid}.log`);
    this.dir = dir;
  }
  private readonly dir: string;

  addSecret(value: string): void {
    this.redactor.add(value);
  }

  /** The same redaction the log applies, for every other path out (--json, the bundle, errors, the review). */
  redact(text: string): string {
    return this.redactor.redact(text);
  }

  private write(level: string, message: string): void {
    try {
      if (!this.ready) {
        mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        this.ready = true;
      }
      const lines = this.redact(message)
        .split('\n')
        .map((l) => `${new Date().toISOString()} ${level} ${l}`);
      appendFileSync(this.path, `${lines.join('\n')}\n`, { mode: 0o600 });
    } catch {
      // A log that can't be written must never stop the run.
    }
  }

  info(message: string): void {
    this.write('INFO', message);
  }
  warn(message: string): void {
    this.write('WARN', message);
  }
  error(message: string): void {
    this.write('ERROR', message);
  }
}
