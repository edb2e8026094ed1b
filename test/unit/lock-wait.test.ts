import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { lockOrWait } from '../../src/commands/lock-wait.js';
import { LockedError } from '../../src/system/lock.js';
import type { RunProgressRecord } from '../../src/system/progress.js';
import { MemoryLogger } from '../helpers/memory-logger.js';
import { tmpRoot } from '../helpers/tmp.js';

/** A second run while another holds the lock: it shows that run's progress, waits for it, then goes on. */
function harness(env: Record<string, string> = {}) {
  const stateDir = tmpRoot();
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (d: Buffer) => {
    text += d.toString();
  });
  const deps = {
    env: { stateDir, env },
    term: { stderr },
    log: new MemoryLogger(),
  } as unknown as Parameters<typeof lockOrWait>[0];
  const holder = { pid: 4242, command: 'install', startedAt: '2026-12-04T06:00:00.000Z' };
  writeFileSync(join(stateDir, 'wizard.lock'), JSON.stringify(holder));
  const progress = (patch: Partial<RunProgressRecord>) =>
    writeFileSync(
      join(stateDir, 'run-progress.json'),
      JSON.stringify({
        pid: 4242,
        command: 'install',
        title: 'install rocketchat (Rocket.Chat 8.0.1)',
        log: '/var/log/wizard/install-1.log',
        startedAt: holder.startedAt,
        updatedAt: holder.startedAt,
        tasks: [],
        ...patch,
      }),
    );
  const locked = () =>
    new LockedError(
      'Another wizard run is changing this server: `wizard install` (pid 4242, started 2026-12-04T06:00:00.000Z).',
    );
  return { deps, progress, locked, text: () => text };
}

describe('lockOrWait', () => {
  it("shows the holder's tasks as they change, says how it ended, then takes the lock", async () => {
    const h = harness();
    const done = { title: 'Cloned the compose repository', state: 'done' as const, at: '' };
    const states: (() => void)[] = [
      () => h.progress({ tasks: [done, { title: 'Start the containers', state: 'started', at: '' }] }),
      () =>
        h.progress({
          tasks: [done, { title: 'Started the containers', state: 'done', at: '' }],
          output: { task: 'Wait', line: '3 s: connection refused', at: '' },
        }),
      () =>
        h.progress({
          tasks: [done, { title: 'Started the containers', state: 'done', at: '' }],
          ended: { ok: true, message: 'Rocket.Chat 8.0.1 is installed as rocketchat', at: '' },
        }),
    ];
    let tries = 0;
    const release = await lockOrWait(
      h.deps,
      () => {
        const next = states[tries++];
        if (!next) return () => undefined;
        next();
        throw h.locked();
      },
      { pollMs: 1 },
    );
    expect(typeof release).toBe('function');
    expect(h.text().split('\n')).toEqual([
      'Another wizard run is changing this server: `wizard install` (pid 4242, started 2026-12-04T06:00:00.000Z).',
      'Waiting for it to end, then this run goes on (Ctrl-C stops waiting; that run goes on).',
      'Its progress (install rocketchat (Rocket.Chat 8.0.1); its log: /var/log/wizard/install-1.log):',
      '✔ Cloned the compose repository',
      '❯ Start the containers',
      '✔ Started the containers',
      '› 3 s: connection refused',
      'That run ended: ✔ Rocket.Chat 8.0.1 is installed as rocketchat',
      '',
    ]);
  });

  it('WIZARD_LOCK_WAIT=0 refuses at once with the holder named (exit 4)', async () => {
    const h = harness({ WIZARD_LOCK_WAIT: '0' });
    const err = await lockOrWait(h.deps, () => {
      throw h.locked();
    }).then(
      () => undefined,
      (e: LockedError) => e,
    );
    expect(err?.exitCode).toBe(4);
    expect(h.text()).toBe('');
  });

  it('Ctrl-C stops the waiting', async () => {
    const h = harness();
    const ac = new AbortController();
    const waiting = lockOrWait(
      h.deps,
      () => {
        throw h.locked();
      },
      { pollMs: 5, signal: ac.signal },
    );
    ac.abort(new Error('Interrupted by SIGINT'));
    await expect(waiting).rejects.toThrow('Interrupted by SIGINT');
  });
});
