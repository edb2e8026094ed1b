import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { poll } from '../engine/poll.js';
import { LockedError } from '../system/lock.js';
import { type ProgressTask, readProgress } from '../system/progress.js';
import { systemClock } from '../system/timer.js';
import type { Deps } from './deps.js';

/**
 * One mutating run at a time, without turning the second one away: when another run holds the lock (an install
 * in another terminal, or one whose SSH session dropped), this shows that run's progress (STATE_DIR/run-progress
 * .json, see src/system/progress.ts) until it ends, says how it ended, then takes the lock and goes on. Ctrl-C
 * stops the waiting (nothing was changed); the other run goes on. WIZARD_LOCK_WAIT=0 refuses at once (exit 4).
 */

const MARK: Record<ProgressTask['state'], string> = { started: '❯', done: '✔', failed: '✖', skipped: '↓' };
const OUTPUT_EVERY_MS = 10_000;

function holderPid(stateDir: string): number | undefined {
  try {
    const pid = (JSON.parse(readFileSync(join(stateDir, 'wizard.lock'), 'utf8')) as { pid?: unknown }).pid;
    return typeof pid === 'number' ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function lockOrWait(
  deps: Pick<Deps, 'env' | 'term' | 'log'>,
  take: () => () => void,
  opts: { signal?: AbortSignal; pollMs?: number } = {},
): Promise<() => void> {
  const say = (line: string) => deps.term.stderr.write(`${line}\n`);
  const shown = new Map<number, string>();
  let waitingFor: number | undefined;
  let headed = false;
  let outputAt = 0;
  let since = systemClock.now();
  const got = await poll<() => void>({
    clock: systemClock,
    ...(opts.signal ? { signal: opts.signal } : {}),
    intervalMs: opts.pollMs ?? 1000,
    attempt: async () => {
      try {
        const release = take();
        if (waitingFor !== undefined) {
          const p = readProgress(deps.env.stateDir);
          const ended = p?.pid === waitingFor ? p.ended : undefined;
          say(
            ended
              ? `That run ended: ${ended.ok ? '✔' : '✖'} ${ended.message}`
              : 'That run ended (it did not say how: wizard status shows the installs as it left them).',
          );
          deps.log.info(`lock: the run (pid ${waitingFor}) ended; going on`);
        }
        return { done: true, value: release };
      } catch (e) {
        // WIZARD_LOCK_WAIT=0: refuse at once (exit 4), as automation that never queues may want.
        if (!(e instanceof LockedError) || deps.env.env.WIZARD_LOCK_WAIT === '0') throw e;
        const pid = holderPid(deps.env.stateDir);
        if (pid !== waitingFor) {
          waitingFor = pid;
          shown.clear();
          headed = false;
          since = systemClock.now();
          say(
            `${e.message}\nWaiting for it to end, then this run goes on (Ctrl-C stops waiting; that run goes on).`,
          );
          deps.log.info(`lock: waiting for ${e.message}`);
        }
        const p = readProgress(deps.env.stateDir);
        const now = systemClock.now();
        if (p && p.pid === pid) {
          if (!headed) say(`Its progress (${p.title}; its log: ${p.log}):`);
          headed = true;
          p.tasks.forEach((t, i) => {
            const line = `${MARK[t.state]} ${t.title}${t.detail ? ` [${t.detail}]` : ''}`;
            if (shown.get(i) !== line) {
              shown.set(i, line);
              say(line);
            }
          });
          if (p.output && now - outputAt >= OUTPUT_EVERY_MS) {
            outputAt = now;
            say(`› ${p.output.line}`);
          }
        } else if (now - outputAt >= OUTPUT_EVERY_MS && now - since >= OUTPUT_EVERY_MS) {
          // A run that records no progress (an older wizard, doctor --fix): that it still runs.
          outputAt = now;
          say(`› still waiting (${Math.round((now - since) / 1000)} s) for pid ${pid ?? '?'}`);
        }
        return { done: false };
      }
    },
  });
  // No timeout: the poll ends with the lock, or throws (Ctrl-C, an error other than LockedError).
  if (!got.done) throw new Error('the lock wait ended without the lock');
  return got.value;
}
