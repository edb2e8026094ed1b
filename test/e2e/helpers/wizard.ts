import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '../../../dist/cli.js');

export interface WizardRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Sees the stderr so far at each chunk, with the child: to send a signal or inject a fault at a given moment. */
  onStderr?: (soFar: string, child: ChildProcess) => void;
  /** The CLI to run (default: dist/cli.js of this checkout). */
  cli?: string;
}

/**
 * Runs the built wizard without a terminal, as automation does (release feeds off unless env sets WIZARD_FEED_URL,
 * polls every 500 ms); resolves with its exit code and output.
 */
export function runWizard(
  args: string[],
  env: Record<string, string>,
  opts: RunOptions = {},
): Promise<WizardRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [opts.cli ?? CLI, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        NO_COLOR: '1',
        WIZARD_POLL_MS: '500',
        WIZARD_FEED_URL: 'off',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      opts.onStderr?.(stderr, child);
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Sends `signal` once, when the stderr so far matches `when` (e.g. a step's title): for runWizard's onStderr. */
export const signalWhen =
  (when: RegExp, signal: NodeJS.Signals = 'SIGTERM') =>
  (soFar: string, child: ChildProcess): void => {
    if (when.test(soFar) && !child.killed) child.kill(signal);
  };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The review and the summary wrap at 80 columns off a terminal, with a hanging indent: their text as one line. */
export const unwrapped = (text: string): string => text.replace(/\n +/g, ' ');
