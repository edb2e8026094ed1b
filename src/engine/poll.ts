import type { Clock } from '../core/context.js';

/**
 * The one poll loop of the wizard: every wait (the readiness wait in wait.ts, a scratch database in backup
 * verify, the restored admin's login, the run lock) repeats its attempt through this, so the timing rules
 * (abort between attempts, the last pause cut to the deadline, an injected clock tests can fake) live in one
 * place. [listr2's retry, without its fixed delay]
 */
export interface PollSpec<T> {
  clock: Clock;
  /** One attempt, given the time since the poll began: done with its value, or not yet. A throw ends the poll. */
  attempt: (elapsedMs: number) => Promise<{ done: true; value: T } | { done: false }>;
  /** Stop after this long (default: never). The attempt that starts at or after the deadline is the last. */
  timeoutMs?: number;
  /** Stop after this many attempts (default: no limit). */
  attempts?: number;
  /** The pause between two attempts, given the time since the poll began. */
  intervalMs: number | ((elapsedMs: number) => number);
  /** Aborted: the poll throws its reason before the next attempt. */
  signal?: AbortSignal;
}

export type PollResult<T> = { done: true; value: T; elapsedMs: number } | { done: false; elapsedMs: number };

/** Repeats `spec.attempt` until it is done, the time or the attempts run out (done: false), or the signal aborts. */
export async function poll<T>(spec: PollSpec<T>): Promise<PollResult<T>> {
  const { clock, signal } = spec;
  const started = clock.now();
  const deadline = started + (spec.timeoutMs ?? Number.POSITIVE_INFINITY);
  const interval = typeof spec.intervalMs === 'number' ? () => spec.intervalMs as number : spec.intervalMs;
  for (let n = 1; ; n++) {
    if (signal?.aborted) throw signal.reason;
    const r = await spec.attempt(clock.now() - started);
    if (r.done) return { done: true, value: r.value, elapsedMs: clock.now() - started };
    if (clock.now() >= deadline || (spec.attempts !== undefined && n >= spec.attempts))
      return { done: false, elapsedMs: clock.now() - started };
    await clock.sleep(Math.min(interval(clock.now() - started), Math.max(0, deadline - clock.now())), signal);
  }
}
