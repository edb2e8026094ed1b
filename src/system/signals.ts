import { CancelledError } from '../core/errors.js';

const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;
type SignalName = keyof typeof SIGNALS;

/** A second Ctrl-C sooner than this after the first is the same keypress echoed (or a library re-raising it). */
const REPEAT_MS = 500;

/** What a command tells the signal handling about the phase it is in. */
export interface Session {
  /**
   * From now on (an install's or upgrade's run phase) a hang-up no longer stops the run: a dropped SSH session
   * leaves it going on to its end without a terminal, its progress in its log and in `wizard status`.
   */
  survivesHangup(): void;
  /** The terminal is gone (SIGHUP during a run that survives it): nothing more is written to it. */
  readonly detached: boolean;
}

/** Stops every later write to the terminal: after a hang-up each one would fail (EIO) or block. */
function detachFromTerminal(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.write = ((_chunk: unknown, encoding?: unknown, callback?: unknown) => {
      const cb = typeof encoding === 'function' ? encoding : callback;
      if (typeof cb === 'function') queueMicrotask(() => (cb as () => void)());
      return true;
    }) as typeof stream.write;
  }
}

/**
 * Ctrl-C, SIGTERM and SIGHUP stop the running step: its command is cancelled, a rollback that must finish still
 * runs (an upgrade's switch puts the old release back), finished steps stay journaled, and the exit code is
 * 128 + the signal. During a run that survives a hang-up, SIGHUP only detaches from the terminal. A second
 * Ctrl-C quits at once; a repeated SIGTERM or SIGHUP is ignored (the rollback finishes; only SIGKILL cuts it
 * short, and the next `wizard upgrade` settles that).
 */
export function onInterrupt(
  interrupt: AbortController,
  log: () => { warn(message: string): void } | undefined,
  now: () => number = Date.now,
): { stop: () => void; session: Session } {
  let keepOnHangup = false;
  let detached = false;
  let first: { name: SignalName; at: number } | undefined;
  const session: Session = {
    survivesHangup() {
      keepOnHangup = true;
    },
    get detached() {
      return detached;
    },
  };
  const say = (text: string) => {
    try {
      process.stderr.write(text);
    } catch {
      // the terminal is gone
    }
  };
  const handlers = (Object.entries(SIGNALS) as [SignalName, number][]).map(([name, n]) => {
    const handler = () => {
      if (name === 'SIGHUP' && keepOnHangup) {
        if (!detached) {
          detached = true;
          log()?.warn(
            'SIGHUP received: the terminal is gone; the run goes on to its end (its progress: this log, wizard status)',
          );
          detachFromTerminal();
        }
        return;
      }
      if (interrupt.signal.aborted) {
        if (name === 'SIGINT' && first && now() - first.at >= REPEAT_MS) {
          log()?.warn('SIGINT again: quitting at once');
          process.exit(128 + n);
        }
        log()?.warn(`${name} again: ignored while the interrupted step finishes (kill -9 stops it at once)`);
        return;
      }
      first = { name, at: now() };
      log()?.warn(`${name} received: stopping the running step`);
      say(
        `\n${name}: stopping after the running command (finished steps are kept)... press Ctrl-C again to quit at once.\n`,
      );
      interrupt.abort(
        new CancelledError(
          `Interrupted by ${name}: finished steps are kept; run the same command again to continue.`,
          128 + n,
        ),
      );
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    session,
    stop: () => {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}
