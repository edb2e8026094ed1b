import type { CommandRunner, RunOptions, RunResult } from '../../src/core/context.js';
import { CommandFailedError } from '../../src/core/errors.js';
import { formatCommand } from '../../src/core/plan.js';

export interface FakeRow {
  /** Matched against the formatted command line, e.g. "docker compose ... up -d". */
  match: RegExp;
  exitCode?: number;
  stdout?: string;
  /** The stdout made from the command line, when it depends on it (e.g. names in its arguments). */
  stdoutFor?: (command: string) => string;
  stderr?: string;
  /** Lines fed to onLine before the result. */
  lines?: string[];
  /** Side effect when run (e.g. create the clone's .git). */
  effect?: (cmd: RunOptions) => void | Promise<void>;
}

/** Answers commands from a table, records them in order, and throws on a command it does not know. */
export class FakeRunner implements CommandRunner {
  readonly calls: string[] = [];
  constructor(private readonly table: FakeRow[]) {}

  async run(
    cmd: RunOptions,
    opts: { signal?: AbortSignal; onLine?: (line: string) => void } = {},
  ): Promise<RunResult> {
    const command = formatCommand(cmd);
    this.calls.push(command);
    const row = this.table.find((r) => r.match.test(command));
    if (!row) throw new Error(`FakeRunner: unexpected command: ${command}`);
    await row.effect?.(cmd);
    for (const l of row.lines ?? []) opts.onLine?.(l);
    const result = {
      command,
      stdout: row.stdoutFor?.(command) ?? row.stdout ?? '',
      stderr: row.stderr ?? '',
      exitCode: row.exitCode ?? 0,
    };
    if (result.exitCode !== 0 && cmd.reject !== false)
      throw new CommandFailedError(command, result.exitCode, result.stderr, cmd.remedy);
    return result;
  }
}
