import type { CommandRunner, Logger, RunOptions, RunResult } from '../core/context.js';
import { CancelledError, CommandFailedError } from '../core/errors.js';
import { explainFailure } from '../core/failures.js';
import { formatCommand } from '../core/plan.js';

/** The one place commands run: argv arrays only, every command logged with cwd, duration and exit code. */
export class ExecaRunner implements CommandRunner {
  /** The process groups of the commands running now, stopped when the wizard exits (a second Ctrl-C). */
  private readonly running = new Set<number>();
  /** Compose's own binary, once the host probe found it is what `docker compose` runs (compose-plugin.ts). */
  private composePlugin?: string;

  /**
   * `interrupt` aborts every running command (Ctrl-C, SIGTERM) except those marked ignoreAbort. Each command runs
   * in a process group of its own, so a terminal's hang-up (SIGHUP to the foreground group when an SSH session
   * drops) never reaches it: the wizard decides what stops (src/main.tsx), and stops the whole group.
   */
  constructor(
    private readonly log: Logger,
    private readonly interrupt?: AbortSignal,
  ) {
    process.once('exit', () => {
      for (const pid of this.running) killGroup(pid, 'SIGTERM');
    });
  }

  /** `docker compose ARGS` then runs as `PATH ARGS`: the same program, without the docker CLI's plugin look-up. */
  runComposeAs(path: string): void {
    this.composePlugin = path;
    this.composeSaid = false;
  }
  private composeSaid = false;

  /** What is spawned for a command: `docker compose` as the plugin's own binary when known (said once, in the log). */
  private argv(cmd: RunOptions): [string, string[]] {
    if (this.composePlugin && cmd.file === 'docker' && cmd.args[0] === 'compose') {
      if (!this.composeSaid)
        this.log.info(
          `docker compose runs as ${this.composePlugin} (the plugin docker runs, without its look-up)`,
        );
      this.composeSaid = true;
      return [this.composePlugin, cmd.args.slice(1)];
    }
    return [cmd.file, cmd.args];
  }

  async run(
    cmd: RunOptions,
    given: { signal?: AbortSignal; onLine?: (line: string) => void } = {},
  ): Promise<RunResult> {
    const signals = [given.signal, cmd.ignoreAbort ? undefined : this.interrupt].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    const opts = {
      ...given,
      ...(signals.length ? { signal: signals.length === 1 ? signals[0] : AbortSignal.any(signals) } : {}),
    };
    if (opts.signal?.aborted)
      throw opts.signal.reason instanceof CancelledError
        ? opts.signal.reason
        : new CancelledError('Interrupted');
    const command = formatCommand(cmd);
    const started = Date.now();
    this.log.info(`$ ${command}${cmd.cwd ? `  (cwd ${cmd.cwd})` : ''}`);
    // Loaded on first use: the first screen draws before the first command runs.
    const { execa } = await import('execa');
    const [file, args] = this.argv(cmd);
    if (cmd.inherit) {
      const filter = cmd.lineFilter;
      const filtered = filter
        ? function* (line: string) {
            yield filter(line);
          }
        : undefined;
      const r = await execa(file, args, {
        ...(cmd.cwd ? { cwd: cmd.cwd } : {}),
        ...(filtered
          ? {
              stdin: 'inherit' as const,
              stdout: [filtered, 'inherit'],
              stderr: [filtered, 'inherit'],
              buffer: false,
            }
          : { stdio: 'inherit' as const }),
        reject: false,
        // signal-exit's handlers (execa's cleanup) re-raise a signal when they count themselves the only ones.
        cleanup: false,
        ...(opts.signal ? { cancelSignal: opts.signal } : {}),
      });
      this.log.info(`exit ${r.exitCode ?? 'signal'} in ${Date.now() - started} ms`);
      return { command, stdout: '', stderr: '', exitCode: r.exitCode ?? 130 };
    }
    const child = execa(file, args, {
      ...(cmd.cwd ? { cwd: cmd.cwd } : {}),
      env: { ...cmd.env, LC_ALL: 'C' },
      ...(cmd.input !== undefined
        ? { input: cmd.input }
        : cmd.stdinFile
          ? { stdin: { file: cmd.stdinFile } }
          : { stdin: 'ignore' as const }),
      ...(cmd.stdoutFile ? { stdout: { file: cmd.stdoutFile } } : {}),
      reject: false,
      all: true,
      // A process group of its own (see the constructor); stopped by the wizard, never by execa's signal-exit
      // cleanup, which re-raises SIGTERM when it counts its own handlers as the only ones.
      detached: true,
      cleanup: false,
      ...(cmd.timeoutMs ? { timeout: cmd.timeoutMs } : {}),
      stripFinalNewline: true,
    });
    const pid = child.pid;
    const stop = () => {
      if (pid) killGroup(pid, 'SIGTERM');
    };
    if (pid) this.running.add(pid);
    opts.signal?.addEventListener('abort', stop, { once: true });
    // Aborted while execa loaded (the listener above never fires for a signal already aborted).
    if (opts.signal?.aborted) stop();
    if (opts.onLine) {
      let buf = '';
      child.all?.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        const parts = buf.split(/\r?\n|\r/);
        buf = parts.pop() ?? '';
        for (const p of parts) if (p.trim()) opts.onLine?.(p.trim());
      });
    }
    const r = await child.finally(() => {
      opts.signal?.removeEventListener('abort', stop);
      if (pid) this.running.delete(pid);
    });
    const ms = Date.now() - started;
    const output = String(r.all ?? '');
    if (output && cmd.secretOutput)
      this.log.info(`  | (${output.split('\n').length} lines not logged: they hold a secret)`);
    else if (output)
      this.log.info(
        output
          .split('\n')
          .map((l) => `  | ${l}`)
          .join('\n'),
      );
    if (opts.signal?.aborted && (r.isTerminated || r.exitCode !== 0)) {
      this.log.warn(`cancelled after ${ms} ms: ${command}`);
      const reason = opts.signal?.reason;
      throw reason instanceof CancelledError
        ? reason
        : new CancelledError(`Cancelled while running \`${command}\``);
    }
    const spawnError = (r as { code?: string }).code;
    if (
      file !== cmd.file &&
      r.exitCode === undefined &&
      (spawnError === 'ENOENT' || spawnError === 'EACCES')
    ) {
      // Compose's binary would not start (moved by an update meanwhile): through the docker CLI from now on.
      this.log.warn(
        `${file} did not start (${r.shortMessage ?? r.message}); docker compose runs through docker`,
      );
      this.composePlugin = undefined;
      return this.run(cmd, given);
    }
    if (r.failed && r.exitCode === undefined) {
      this.log.error(`could not run ${cmd.file}: ${r.shortMessage ?? r.message}`);
      const missing = (r as { code?: string }).code === 'ENOENT';
      throw new CommandFailedError(
        command,
        undefined,
        missing ? `${cmd.file} is not installed or not on PATH` : String(r.shortMessage ?? r.message),
        cmd.remedy,
      );
    }
    const exitCode = r.exitCode ?? 1;
    this.log.info(`exit ${exitCode} in ${ms} ms`);
    const result = { command, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode };
    if (exitCode !== 0 && cmd.reject !== false) {
      const tail = cmd.secretOutput
        ? '(output not shown: it may hold a secret)'
        : (result.stderr || result.stdout).trim().split('\n').slice(-15).join('\n');
      const why = explainFailure(cmd.file, cmd.args, `${result.stderr}\n${result.stdout}`);
      throw new CommandFailedError(command, exitCode, tail, why?.remedy ?? cmd.remedy, why?.summary);
    }
    return result;
  }
}

/** Sends a signal to a command's whole process group (docker compose and the plugin it runs). */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
