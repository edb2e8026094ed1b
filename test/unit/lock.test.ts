import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { acquireLock, LOCKED_EXIT_CODE, processStart } from '../../src/system/lock.js';
import { waitFor } from '../helpers/factories.js';
import { tmpRoot } from '../helpers/tmp.js';

const lockFile = (dir: string) => join(dir, 'wizard.lock');
const holder = (dir: string) => JSON.parse(readFileSync(lockFile(dir), 'utf8'));

function refusal(dir: string): Error & { exitCode?: number; remedy?: string } {
  try {
    acquireLock(dir, 'install');
  } catch (e) {
    return e as Error & { exitCode?: number; remedy?: string };
  }
  throw new Error('the lock was taken');
}

describe('the host lock', () => {
  it('is taken and released, holding the pid, its start time and the command', () => {
    const dir = tmpRoot();
    const release = acquireLock(dir, 'install');
    expect(holder(dir)).toMatchObject({
      pid: process.pid,
      start: processStart(process.pid),
      command: 'install',
    });
    release();
    expect(existsSync(lockFile(dir))).toBe(false);
    // Nothing else is left in the folder (no temp files, no takeover guards).
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a second run, naming who holds it, and never suggests killing anything', async () => {
    const dir = tmpRoot();
    const sleeper = spawn('sleep', ['30']);
    try {
      const pid = sleeper.pid as number;
      await waitFor(() => expect(processStart(pid)).toBeDefined());
      writeFileSync(
        lockFile(dir),
        JSON.stringify({
          pid,
          start: processStart(pid),
          command: 'install',
          startedAt: '2026-11-22T02:00:00Z',
        }),
      );
      const err = refusal(dir);
      expect(err.message).toBe(
        `Another wizard run is changing this server: \`wizard install\` (pid ${pid}, started 2026-11-22T02:00:00Z).`,
      );
      expect(err.exitCode).toBe(LOCKED_EXIT_CODE);
      expect(err.remedy).toContain(`ps -o pid,lstart,args -p ${pid}`);
      expect(err.remedy).not.toMatch(/kill/);
    } finally {
      sleeper.kill();
    }
  });

  it('takes over a lock whose pid now belongs to another process (another start time)', () => {
    const dir = tmpRoot();
    // pid 1 and this test's own pid are alive, but neither started when these locks say: pid reuse.
    for (const pid of [1, process.pid]) {
      writeFileSync(
        lockFile(dir),
        JSON.stringify({
          pid,
          start: `${processStart(pid)}7`,
          command: 'upgrade',
          startedAt: '2020-01-01T00:00:00Z',
        }),
      );
      const release = acquireLock(dir, 'install');
      expect(holder(dir)).toMatchObject({ pid: process.pid, command: 'install' });
      release();
    }
  });

  it('takes over a stale lock from a dead process, or a half-written one from an older wizard', () => {
    const dir = tmpRoot();
    writeFileSync(lockFile(dir), JSON.stringify({ pid: 2 ** 22 + 12345, command: 'install' }));
    acquireLock(dir, 'install')();
    writeFileSync(lockFile(dir), '{"pid":');
    const release = acquireLock(dir, 'doctor --fix');
    expect(holder(dir).command).toBe('doctor --fix');
    release();
  });

  it('an older lock without a start time, held by a live pid: refused, and the remedy says how to tell', () => {
    const dir = tmpRoot();
    writeFileSync(lockFile(dir), JSON.stringify({ pid: 1, command: 'install' }));
    const err = refusal(dir);
    expect(err.remedy).toContain(`remove ${lockFile(dir)}`);
    expect(err.remedy).not.toMatch(/kill/);
  });
});

/**
 * Real processes starting at the same instant: each takes the lock (the real code, bundled), says "held" or
 * "locked", and a holder keeps it until every process has answered, so two holders would both say "held".
 */
describe('simultaneous starts', () => {
  const N = 8;
  const ROUNDS = 4;

  function driver(dir: string): string {
    const lib = join(dir, 'lock.mjs');
    buildSync({
      entryPoints: [join(import.meta.dirname, '../../src/system/lock.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: lib,
      logLevel: 'error',
    });
    const script = join(dir, 'driver.mjs');
    writeFileSync(
      script,
      `import { existsSync } from 'node:fs';
import { acquireLock, LOCKED_EXIT_CODE } from './lock.mjs';
const [dir, go, done] = process.argv.slice(2);
const nap = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
process.stdout.write('ready\\n');
while (!existsSync(go)) nap(1);
try {
  const release = acquireLock(dir, 'install');
  process.stdout.write('held\\n');
  while (!existsSync(done)) nap(5);
  release();
} catch (e) {
  process.stdout.write(e.exitCode === LOCKED_EXIT_CODE ? 'locked\\n' : 'error ' + e.message + '\\n');
}
`,
    );
    return script;
  }

  async function round(base: string, script: string, n: number, stale?: string): Promise<string[]> {
    const dir = join(base, `state-${n}`);
    const go = join(base, `go-${n}`);
    const done = join(base, `done-${n}`);
    mkdirSync(dir);
    if (stale !== undefined) writeFileSync(lockFile(dir), stale);
    const answers: string[] = [];
    let ready = 0;
    let allReady: () => void = () => undefined;
    let allAnswered: () => void = () => undefined;
    const up = new Promise<void>((res) => {
      allReady = res;
    });
    const answered = new Promise<void>((res) => {
      allAnswered = res;
    });
    const children = Array.from({ length: N }, () => {
      const child = spawn(process.execPath, [script, dir, go, done], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d: string) => {
        for (const line of d.trim().split('\n')) {
          if (line === 'ready') {
            if (++ready === N) allReady();
          } else answers.push(line);
        }
        if (answers.length === N) allAnswered();
      });
      return new Promise<void>((res) => child.on('exit', () => res()));
    });
    // Every process is up and spinning before the start signal.
    await up;
    writeFileSync(go, '');
    await answered;
    writeFileSync(done, '');
    await Promise.all(children);
    return answers.sort();
  }

  it(`${N} processes starting together on a fresh host, over a dead run's lock, and over a reused pid's: exactly one holder each time`, async () => {
    const base = tmpRoot();
    const script = driver(base);
    const stale = [
      undefined,
      JSON.stringify({ pid: 2 ** 22 + 4242, start: '1', command: 'install', id: 'dead' }),
      JSON.stringify({ pid: 1, start: `${processStart(1)}9`, command: 'install', id: 'reused' }),
    ];
    let n = 0;
    for (let r = 0; r < ROUNDS; r++)
      for (const s of stale) {
        const answers = await round(base, script, n, s);
        expect(answers).toEqual(['held', ...Array(N - 1).fill('locked')]);
        // Released, and nothing left behind (no temp files, no takeover guards).
        expect(readdirSync(join(base, `state-${n++}`))).toEqual([]);
      }
  }, 120_000);
});
