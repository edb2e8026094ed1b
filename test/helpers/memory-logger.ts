import type { Logger } from '../../src/core/context.js';
import { Redactor } from '../../src/core/redact.js';

/** A logger that keeps lines in memory, for tests (the product logs to a file: src/system/log.ts). */
export class MemoryLogger implements Logger {
  readonly path = '(memory)';
  readonly lines: string[] = [];
  private readonly redactor = new Redactor();
  addSecret(value: string): void {
    this.redactor.add(value);
  }
  redact(text: string): string {
    return this.redactor.redact(text);
  }
  private add(l: string, m: string) {
    this.lines.push(`${l} ${this.redactor.redact(m)}`);
  }
  info(m: string): void {
    this.add('INFO', m);
  }
  warn(m: string): void {
    this.add('WARN', m);
  }
  error(m: string): void {
    this.add('ERROR', m);
  }
}
