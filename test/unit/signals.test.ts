import { afterEach, describe, expect, it, vi } from 'vitest';
import { CancelledError } from '../../src/core/errors.js';
import { onInterrupt } from '../../src/system/signals.js';
import { MemoryLogger } from '../helpers/memory-logger.js';

/** The signal handling's decisions, with the handlers called as Node calls them (no real signal is sent). */
describe('onInterrupt', () => {
  let stop: (() => void) | undefined;
  afterEach(() => {
    stop?.();
    vi.restoreAllMocks();
  });
  const setup = () => {
    let now = 1000;
    const interrupt = new AbortController();
    const log = new MemoryLogger();
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const handling = onInterrupt(
      interrupt,
      () => log,
      () => now,
    );
    stop = handling.stop;
    return {
      interrupt,
      log,
      stderr,
      exit,
      session: handling.session,
      tick: (ms: number) => {
        now += ms;
      },
    };
  };

  it('SIGTERM stops the running step (exit 143); a repeat (a library re-raising it) is ignored', () => {
    const h = setup();
    process.emit('SIGTERM', 'SIGTERM');
    expect(h.interrupt.signal.aborted).toBe(true);
    expect(h.interrupt.signal.reason).toBeInstanceOf(CancelledError);
    expect((h.interrupt.signal.reason as CancelledError).exitCode).toBe(143);
    process.emit('SIGTERM', 'SIGTERM');
    h.tick(5000);
    process.emit('SIGTERM', 'SIGTERM');
    expect(h.exit).not.toHaveBeenCalled();
    expect(h.log.lines).toContain(
      'WARN SIGTERM again: ignored while the interrupted step finishes (kill -9 stops it at once)',
    );
  });

  it('a second Ctrl-C quits at once, unless it comes with the first (an echo)', () => {
    const h = setup();
    process.emit('SIGINT', 'SIGINT');
    process.emit('SIGINT', 'SIGINT');
    expect(h.exit).not.toHaveBeenCalled();
    h.tick(800);
    process.emit('SIGINT', 'SIGINT');
    expect(h.exit).toHaveBeenCalledWith(130);
  });

  it('SIGHUP stops a run that has not reached its run phase (nothing to keep going)', () => {
    const h = setup();
    expect(h.session.detached).toBe(false);
    process.emit('SIGHUP', 'SIGHUP');
    expect(h.interrupt.signal.aborted).toBe(true);
    expect((h.interrupt.signal.reason as CancelledError).exitCode).toBe(129);
  });
});
