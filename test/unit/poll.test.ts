import { describe, expect, it } from 'vitest';
import { poll } from '../../src/engine/poll.js';
import { createMockClock } from '../helpers/factories.js';

describe('poll (the one poll loop of every wait)', () => {
  it('repeats until done, pausing the interval between attempts', async () => {
    const clock = createMockClock();
    let n = 0;
    const r = await poll({
      clock,
      intervalMs: 500,
      attempt: async () => (++n === 3 ? { done: true, value: 'up' } : { done: false }),
    });
    expect(r).toEqual({ done: true, value: 'up', elapsedMs: 1000 });
    expect(clock.slept).toEqual([500, 500]);
  });

  it('ends at the deadline, the last pause cut to it, and the interval may grow with the time spent', async () => {
    const clock = createMockClock();
    const seen: number[] = [];
    const r = await poll({
      clock,
      timeoutMs: 2500,
      intervalMs: (elapsed) => (elapsed < 1000 ? 400 : 1000),
      attempt: async (elapsed) => {
        seen.push(elapsed);
        return { done: false };
      },
    });
    expect(r).toEqual({ done: false, elapsedMs: 2500 });
    expect(clock.slept).toEqual([400, 400, 400, 1000, 300]);
    expect(seen).toEqual([0, 400, 800, 1200, 2200, 2500]);
  });

  it('stops after the given number of attempts', async () => {
    const clock = createMockClock();
    let n = 0;
    const r = await poll({
      clock,
      attempts: 4,
      intervalMs: 100,
      attempt: async () => {
        n++;
        return { done: false };
      },
    });
    expect(r.done).toBe(false);
    expect(n).toBe(4);
    expect(clock.slept).toEqual([100, 100, 100]);
  });

  it('throws the abort reason before the next attempt, and an attempt that throws ends the poll', async () => {
    const clock = createMockClock();
    const ac = new AbortController();
    let n = 0;
    await expect(
      poll({
        clock,
        signal: ac.signal,
        intervalMs: 100,
        attempt: async () => {
          if (++n === 2) ac.abort(new Error('cancelled'));
          return { done: false };
        },
      }),
    ).rejects.toThrow('cancelled');
    expect(n).toBe(2);
    await expect(
      poll({
        clock,
        intervalMs: 100,
        attempt: async () => {
          throw new Error('the container exited');
        },
      }),
    ).rejects.toThrow('the container exited');
  });
});
