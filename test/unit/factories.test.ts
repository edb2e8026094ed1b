import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/core/answers.js';
import type { Platform } from '../../src/core/platform.js';
import { findPlatform } from '../../steps/index.js';
import {
  createMockClock,
  createMockContext,
  createMockJournal,
  createMockRunner,
  waitFor,
} from '../helpers/factories.js';

const platform = findPlatform('rocketchat') as Platform;
const answers = withDefaults(
  { platform: 'rocketchat', domain: 'localhost', email: 'a@example.com', tls: 'none', extra: {} },
  platform,
);

describe('test factories', () => {
  it('a mock context takes its names from the answers and platform, and refuses what a test did not give it', async () => {
    const ctx = createMockContext({ answers, platform });
    expect(ctx.projectDir).toBe(answers.dataDir);
    expect(ctx.composeFiles).toEqual(platform.composeFiles);
    expect(ctx.project).toBe('rocketchat-test');
    await expect(ctx.runner.run({ file: 'docker', args: ['ps'] })).rejects.toThrow(
      /unexpected command: docker ps/,
    );
    await expect(ctx.http.request('http://127.0.0.1/')).rejects.toThrow(/pass http in the overrides/);
    await expect(
      ctx.files.write({ kind: 'file', path: '/x', content: '', mode: 0o644, description: 'x' }),
    ).rejects.toThrow(/pass files/);
    const over = createMockContext({ answers, platform, project: 'rc', dryRun: true, from: '7.0.0' });
    expect([over.project, over.dryRun, over.from]).toEqual(['rc', true, '7.0.0']);
  });

  it('a mock runner answers from its rows and shows each command to onRun; a journal records steps in order', async () => {
    const seen: string[] = [];
    const runner = createMockRunner({
      rows: [{ match: /^git --version$/, stdout: 'git version 2.43' }],
      onRun: (cmd) => seen.push(cmd.file),
    });
    expect((await runner.run({ file: 'git', args: ['--version'] })).stdout).toBe('git version 2.43');
    expect([seen, runner.calls]).toEqual([['git'], ['git --version']]);
    const journal = createMockJournal(['clone']);
    await journal.done('files');
    await journal.done('up');
    expect([[...journal.completed], journal.journaled]).toEqual([['clone'], ['files', 'up']]);
  });

  it('a mock clock moves only when slept on; waitFor waits for an assertion and names it when it never holds', async () => {
    const clock = createMockClock(1000);
    await clock.sleep(250);
    expect([clock.now(), clock.slept]).toEqual([1250, [250]]);
    let ready = false;
    setImmediate(() => {
      ready = true;
    });
    await waitFor(() => expect(ready).toBe(true));
    await expect(waitFor(() => expect('never').toBe('ready'), { timeoutMs: 30 })).rejects.toThrow(/never/);
  });
});
