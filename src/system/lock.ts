import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { WizardError } from '../core/errors.js';

/** Exit code when another run holds the lock. */
export const LOCKED_EXIT_CODE = 4;

export class LockedError extends WizardError {
  override readonly exitCode = LOCKED_EXIT_CODE;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One mutating wizard run per host: a lock file in the state folder holding the pid, the command and
 * the start time. A second run says who holds it; a lock left by a dead process is taken over.
 */
export function acquireLock(stateDir: string, command: string): () => void {
  mkdirSync(stateDir, { recursive: true, mode: 0o755 });
  const path = join(stateDir, 'wizard.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, JSON.stringify({ pid: process.pid, command, startedAt: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          const held = JSON.parse(readFileSync(path, 'utf8')) as { pid?: number };
          if (held.pid === process.pid) rmSync(path, { force: true });
        } catch {
          // already gone
        }
      };
      process.once('exit', release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let held: { pid?: number; command?: string; startedAt?: string } = {};
      try {
        held = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        // half-written or empty: treated as stale below
      }
      if (held.pid && held.pid !== process.pid && alive(held.pid)) {
        throw new LockedError(
          `Another wizard run is changing this server: \`wizard ${held.command ?? '?'}\` (pid ${held.pid}, started ${held.startedAt ?? 'at an unknown time'}).`,
          `Wait for it to finish (or stop it: kill ${held.pid}), then run this again.`,
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new WizardError(`Can't take the lock ${path}.`, `Remove it if no wizard is running: rm ${path}`);
}
