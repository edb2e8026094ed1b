import { statSync } from 'node:fs';
import { Listr } from 'listr2';
import { describe, expect, it } from 'vitest';
import { progressAlive, progressPath, RunProgress, readProgress } from '../../src/system/progress.js';
import { MemoryLogger } from '../helpers/memory-logger.js';
import { tmpRoot } from '../helpers/tmp.js';

/** A run's progress for `wizard status` and a second wizard: the file and the log follow the task list. */
describe('RunProgress', () => {
  it("records each task as it starts and ends, the running task's output, and how the run ended", async () => {
    const stateDir = tmpRoot();
    const log = new MemoryLogger();
    let now = Date.parse('2026-12-04T06:00:00.000Z');
    const progress = new RunProgress(stateDir, 'install', log, () => now);
    progress.begin('install rocketchat (Rocket.Chat 8.0.1)');
    let during: ReturnType<typeof readProgress>;
    const list = new Listr(
      [
        {
          title: 'Clone the compose repository',
          task: async (_c, t) => {
            t.title = 'Cloned the compose repository';
          },
        },
        {
          title: 'Pull images',
          task: async (_c, t) => t.skip('Offline: using the images already on this host'),
        },
        {
          title: 'Wait until the platform answers',
          task: async (_c, t) => {
            for (let s = 1; s <= 25; s++) {
              now += 1000;
              t.output = `${s} s: connection refused`;
            }
            during = readProgress(stateDir);
            t.title = 'Rocket.Chat 8.0.1 answers (after 25 s)';
          },
        },
      ],
      { renderer: 'silent', registerSignalListeners: false },
    );
    progress.observe(list.tasks);
    await list.run();
    expect(during?.tasks.at(-1)).toMatchObject({
      title: 'Wait until the platform answers',
      state: 'started',
    });
    expect(during?.output?.line).toBe('25 s: connection refused');
    expect(progressAlive(during)).toBe(true);
    progress.end(true, 'Rocket.Chat 8.0.1 is installed as rocketchat');
    const r = readProgress(stateDir);
    expect(r).toMatchObject({
      pid: process.pid,
      command: 'install',
      title: 'install rocketchat (Rocket.Chat 8.0.1)',
      log: '(memory)',
      ended: { ok: true, message: 'Rocket.Chat 8.0.1 is installed as rocketchat' },
    });
    expect(r?.tasks.map((t) => [t.state, t.title, t.detail])).toEqual([
      ['done', 'Cloned the compose repository', undefined],
      ['skipped', 'Pull images', 'Offline: using the images already on this host'],
      ['done', 'Rocket.Chat 8.0.1 answers (after 25 s)', undefined],
    ]);
    expect(progressAlive(r)).toBe(false);
    expect(statSync(progressPath(stateDir)).mode & 0o777).toBe(0o600);
    // The log: each state change, and the running task's output at most every 10 s.
    expect(log.lines.filter((l) => l.includes('still waiting'))).toEqual([
      'INFO progress: still waiting (10 s): connection refused',
      'INFO progress: still waiting (20 s): connection refused',
    ]);
    expect(log.lines).toContain('INFO progress: ✔ Cloned the compose repository');
  });
});
