import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, LOCKED_EXIT_CODE } from '../../src/system/lock.js';
import { tmpRoot } from '../helpers/tmp.js';

describe('the host lock', () => {
  it('is taken and released, holding the pid and the command', () => {
    const dir = tmpRoot();
    const release = acquireLock(dir, 'install');
    expect(JSON.parse(readFileSync(join(dir, 'wizard.lock'), 'utf8'))).toMatchObject({
      pid: process.pid,
      command: 'install',
    });
    release();
    expect(existsSync(join(dir, 'wizard.lock'))).toBe(false);
  });

  it('refuses a second run, naming who holds it', async () => {
    const dir = tmpRoot();
    const holder = spawn('sleep', ['30']);
    try {
      writeFileSync(
        join(dir, 'wizard.lock'),
        JSON.stringify({ pid: holder.pid, command: 'install', startedAt: '2026-11-22T02:00:00Z' }),
      );
      let err: (Error & { exitCode?: number; remedy?: string }) | undefined;
      try {
        acquireLock(dir, 'install');
      } catch (e) {
        err = e as typeof err;
      }
      expect(err?.message).toBe(
        `Another wizard run is changing this server: \`wizard install\` (pid ${holder.pid}, started 2026-11-22T02:00:00Z).`,
      );
      expect(err?.exitCode).toBe(LOCKED_EXIT_CODE);
      expect(err?.remedy).toContain(`kill ${holder.pid}`);
    } finally {
      holder.kill();
    }
  });

  it('takes over a stale lock from a dead process, or a half-written one', () => {
    const dir = tmpRoot();
    writeFileSync(join(dir, 'wizard.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, command: 'install' }));
    acquireLock(dir, 'install')();
    writeFileSync(join(dir, 'wizard.lock'), '{"pid":');
    const release = acquireLock(dir, 'doctor --fix');
    expect(JSON.parse(readFileSync(join(dir, 'wizard.lock'), 'utf8')).command).toBe('doctor --fix');
    release();
  });
});
