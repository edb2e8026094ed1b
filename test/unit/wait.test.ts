import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileStore } from '../../src/core/context.js';
import { ContainerFailedError, type WaitContext, waitFor } from '../../src/engine/wait.js';
import rocketchat from '../../steps/rocketchat/index.js';
import { createMockClock } from '../helpers/factories.js';
import { type FakeRow, FakeRunner } from '../helpers/fake-runner.js';
import { MemoryLogger } from '../helpers/memory-logger.js';

/** The shared wait with a fake clock (sleeping advances it) and recorded container states. */
const recorded = (name: string) => readFileSync(join(import.meta.dirname, 'containers', name), 'utf8');

function context(rows: FakeRow[], start: number) {
  const runner = new FakeRunner(rows);
  const clock = createMockClock(start);
  const ctx: WaitContext = {
    runner,
    clock,
    log: new MemoryLogger(),
    platform: rocketchat,
    project: 'rc',
    projectDir: '/opt/rocketchat',
    composeFiles: ['compose.yml'],
    files: { real: (p: string) => p } as FileStore,
    pollIntervalMs: 2000,
  };
  return { ctx, runner, clock };
}

const crashAt = Date.parse(recorded('crash-early.at').trim());

describe('waitFor', () => {
  it('resolves with the check value; a first answer needs no look at the containers', async () => {
    const { ctx, runner } = context([], 1000);
    const r = await waitFor(
      ctx,
      {
        what: 'Rocket.Chat 8.0.1',
        service: 'rocketchat',
        timeoutSeconds: 10,
        timeoutMessage: () => 'never',
        check: async () => ({ done: true, value: '8.0.1' }),
      },
      { output: () => undefined },
    );
    expect(r).toEqual({ value: '8.0.1', seconds: 0 });
    expect(runner.calls).toEqual([]);
  });

  it('a container that crashes ends the wait with its log lines and the known failure, long before the timeout', async () => {
    const lines: string[] = [];
    const { ctx, runner, clock } = context(
      [
        { match: / ps --all --format json$/, stdout: recorded('crash-early.ps.jsonl') },
        { match: /^docker inspect /, stdout: recorded('crash-early.inspect.json') },
        {
          match: / logs --no-color --no-log-prefix --tail 30 rocketchat$/,
          stdout: recorded('crash-loop.rocketchat.logs.txt'),
        },
      ],
      crashAt,
    );
    // The switch started the stack just before the container was created.
    ctx.stackStartedAt = crashAt - 10_000;
    const err = await waitFor(
      ctx,
      {
        what: 'Rocket.Chat 9.9.9',
        service: 'rocketchat',
        timeoutSeconds: 600,
        timeoutMessage: () => 'timed out',
        check: async () => ({ done: false, detail: 'connection refused' }),
      },
      { output: (l) => lines.push(l) },
    ).then(
      () => undefined,
      (e: ContainerFailedError) => e,
    );
    if (!err) throw new Error('the wait did not fail');
    expect(err).toBeInstanceOf(ContainerFailedError);
    expect(err.message.split('\n')[0]).toBe(
      "Rocket.Chat 9.9.9 can't start: its rocketchat container crashed (1 restart): a module of the program is missing (the image is broken).",
    );
    expect(err.message).toContain(
      "Known failure: A module of the program is missing (the image is broken): Error: Cannot find module './programs/server/boot.js'",
    );
    expect(err.message).toContain("Last lines of the rocketchat container's log:");
    expect(err.remedy).toMatch(/^This image does not start: pull it again/);
    // The first look at the containers comes after 1 s of "connection refused": the crash ends the wait then.
    expect(clock.now() - crashAt).toBeLessThan(2000);
    expect(lines[0]).toBe('0 s: connection refused');
    expect(runner.calls.filter((c) => c.includes(' logs '))).toHaveLength(2);
  });

  it('a slow but alive start (running, health starting) gets the whole timeout, then names the last answer', async () => {
    const start = Date.parse(recorded('states.at').trim());
    const slow = recorded('states.ps.jsonl')
      .split('\n')
      .filter((l) => l.includes('"Service":"slow"'))
      .join('\n');
    const { ctx, clock } = context(
      [
        { match: / ps --all --format json$/, stdout: slow },
        { match: /^docker inspect /, stdout: recorded('states.inspect.json') },
        { match: / logs --no-color --tail 30 slow$/, stdout: 'still migrating (42%)' },
      ],
      start,
    );
    const err = await waitFor(
      ctx,
      {
        what: 'Slow',
        service: 'slow',
        timeoutSeconds: 120,
        timeoutMessage: (s, last) => `Slow did not answer within ${s} s (last: ${last}).`,
        check: async () => ({ done: false, detail: 'HTTP 503' }),
      },
      { output: () => undefined },
    ).then(
      () => undefined,
      (e: Error & { remedy?: string }) => e,
    );
    if (!err) throw new Error('the wait did not fail');
    expect(err.message).toBe(
      "Slow did not answer within 120 s (last: HTTP 503).\nLast lines of the slow container's log:\nstill migrating (42%)",
    );
    expect(clock.now() - start).toBe(120_000);
    expect(err.remedy).toContain('run the same install again');
  });

  it('looks at the containers after 1 s, then at most every 2 s, while it polls every 100 ms', async () => {
    const { ctx, runner } = context(
      [
        { match: / ps --all --format json$/, stdout: recorded('healthy.ps.jsonl') },
        { match: /^docker inspect /, stdout: recorded('healthy.inspect.json') },
      ],
      Date.parse(recorded('healthy.at').trim()),
    );
    let n = 0;
    await waitFor(
      ctx,
      {
        what: 'Rocket.Chat',
        service: 'rocketchat',
        timeoutSeconds: 60,
        timeoutMessage: () => 'never',
        check: async () =>
          ++n >= 50 ? { done: true, value: undefined } : { done: false, detail: 'HTTP 502' },
      },
      { output: () => undefined },
    );
    // 49 pauses of 100 ms: looks at 1 s and 3 s.
    expect(runner.calls.filter((c) => c.includes(' ps --all'))).toHaveLength(2);
  });

  it('a cancelled wait throws the reason at once', async () => {
    const { ctx } = context([], 0);
    const ac = new AbortController();
    ac.abort(new Error('Interrupted by SIGINT'));
    await expect(
      waitFor(
        ctx,
        {
          what: 'x',
          service: 'x',
          timeoutSeconds: 60,
          timeoutMessage: () => 'never',
          check: async () => ({ done: false, detail: '' }),
        },
        { signal: ac.signal, output: () => undefined },
      ),
    ).rejects.toThrow('Interrupted by SIGINT');
  });
});
