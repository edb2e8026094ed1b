import type { CommandRunner, Logger, RunOptions, RunResult } from '../core/context.js';
import { CancelledError, CommandFailedError } from '../core/errors.js';
import { formatCommand } from '../core/plan.js';

/** The one place commands run: argv arrays only, every command logged with cwd, duration and exit code. */
export class ExecaRunner implements CommandRunner {
  constructor(private readonly log: Logger) {}

  async run(cmd: RunOptions, opts: { signal?: AbortSignal; onLine?: (line: string) => void } = {}): Promise<RunResult> {
    const command = formatCommand(cmd);
    const started = Date.now();
    this.log.info(`$ ${command}${cmd.cwd ? `  (cwd ${cmd.cwd})` : ''}`);
    // Loaded on first use: the first screen draws before the first command runs.
    const { execa } = await import('execa');
    const child = execa(cmd.file, cmd.args, {
      ...(cmd.cwd ? { cwd: cmd.cwd } : {}),
      env: { ...cmd.env, LC_ALL: 'C' },
      ...(cmd.input !== undefined ? { input: cmd.input } : { stdin: 'ignore' as const }),
      reject: false,
      all: true,
      ...(opts.signal ? { cancelSignal: opts.signal } : {}),
      ...(cmd.timeoutMs ? { timeout: cmd.timeoutMs } : {}),
      stripFinalNewline: true,
    });
    if (opts.onLine) {
      let buf = '';
      child.all?.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        const parts = buf.split(/\r?\n|\r/);
        buf = parts.pop() ?? '';
        for (const p of parts) if (p.trim()) opts.onLine?.(p.trim());
      });
    }
    const r = await child;
    const ms = Date.now() - started;
    const output = String(r.all ?? '');
    if (output) this.log.info(output.split('\n').map((l) => `  | ${l}`).join('\n'));
    if (r.isCanceled || (r.isTerminated && opts.signal?.aborted)) {
      this.log.warn(`cancelled after ${ms} ms: ${command}`);
      throw new CancelledError(`Cancelled while running \`${command}\``);
    }
    if (r.failed && r.exitCode === undefined) {
      this.log.error(`could not run ${cmd.file}: ${r.shortMessage ?? r.message}`);
      const missing = (r as { code?: string }).code === 'ENOENT';
      throw new CommandFailedError(command, undefined, missing ? `${cmd.file} is not installed or not on PATH` : String(r.shortMessage ?? r.message), cmd.remedy);
    }
    const exitCode = r.exitCode ?? 1;
    this.log.info(`exit ${exitCode} in ${ms} ms`);
    const result = { command, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode };
    if (exitCode !== 0 && cmd.reject !== false) {
      const tail = (result.stderr || result.stdout).trim().split('\n').slice(-15).join('\n');
      throw new CommandFailedError(command, exitCode, tail, cmd.remedy);
    }
    return result;
  }
}
