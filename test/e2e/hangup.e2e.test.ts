import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpRoot } from '../helpers/tmp.js';
import { installArgs } from './helpers/install.js';
import { dockerAvailable, ensureStandinImages, makeFixtureRepo } from './helpers/standins.js';
import { CLI, freePort, runWizard } from './helpers/wizard.js';

/**
 * A run that outlives its terminal and a second run that waits for it, on the Rocket.Chat stand-ins: the SSH
 * session of an install drops (tmux's pseudo-terminal closed: SIGHUP) and the install still finishes, its progress
 * in its log; a second `wizard install` started while the first runs shows the first one's progress, waits for
 * it, then goes on; `wizard status` shows the run in progress.
 */
describe('runs that survive a dropped terminal, and a second run that waits', () => {
  const roots: string[] = [];
  const session = `wizard-hup-${process.pid}`;
  const tmux = (...a: string[]) => execFileSync('tmux', a, { encoding: 'utf8' });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const state = (root: string) =>
    JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8')).installs.rocketchat;
  const progress = (root: string) => {
    try {
      return JSON.parse(readFileSync(join(root, 'var/lib/wizard/run-progress.json'), 'utf8'));
    } catch {
      return undefined;
    }
  };
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  async function until<T>(what: string, f: () => T | undefined, timeoutMs = 180_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = f();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  }
  const down = (root: string) => {
    try {
      execFileSync('docker', ['compose', 'down', '--volumes', '--timeout', '2'], {
        cwd: join(root, 'opt/rocketchat'),
        stdio: 'ignore',
      });
    } catch {
      // nothing started
    }
  };
  async function fresh(prefix: string) {
    const root = tmpRoot(prefix);
    roots.push(root);
    const repo = await makeFixtureRepo(root, 'rocketchat-compose');
    const port = await freePort();
    const args = installArgs({ platform: 'rocketchat', repo, port });
    return { root, port, args };
  }

  beforeAll(async () => {
    if (!(await dockerAvailable()))
      throw new Error('No Docker engine answers: the e2e suite needs one (run .ci/setup-docker.sh).');
    await ensureStandinImages();
  });

  afterAll(() => {
    try {
      tmux('kill-session', '-t', session);
    } catch {
      // already gone
    }
    for (const root of roots) down(root);
  });

  it('a second wizard started during an install shows its progress, waits for it, then goes on', async () => {
    const { root, args } = await fresh('wizard-second-');
    // The first run in the background: its stderr so far and its pid, seen as it goes.
    let firstErr = '';
    let firstPid: number | undefined;
    const firstDone = runWizard(
      args,
      { WIZARD_ROOT: root },
      {
        onStderr: (soFar, child) => {
          firstErr = soFar;
          firstPid = child.pid;
        },
      },
    );
    await until('the first run to start its containers', () => firstErr.includes('❯ Start the containers'));
    const status = await runWizard(['status', '--json'], { WIZARD_ROOT: root });
    const second = await runWizard(args, { WIZARD_ROOT: root });
    expect((await firstDone).code).toBe(0);

    expect(JSON.parse(status.stdout).run).toMatchObject({
      pid: firstPid,
      command: 'install',
      title: 'install rocketchat (Rocket.Chat 8.0.1)',
    });
    expect(second.stderr).toContain(
      `Another wizard run is changing this server: \`wizard install\` (pid ${firstPid}`,
    );
    expect(second.stderr).toContain('Waiting for it to end, then this run goes on');
    expect(second.stderr).toContain('Its progress (install rocketchat (Rocket.Chat 8.0.1); its log: ');
    expect(second.stderr).toContain('✔ Cloned the compose repository');
    expect(second.stderr).toContain('That run ended: ✔ Rocket.Chat 8.0.1 is installed as rocketchat');
    // Then it went on: the repair run of a finished install.
    expect(second.stderr).toContain('is already installed: this run repairs it');
    expect(second.code).toBe(0);
    expect(state(root).status).toBe('installed');
    // Its host ports are the next test's.
    down(root);
  });

  it('SIGHUP (the terminal closed) during an install: it goes on to its end, its progress in the log', async () => {
    const { root, port, args } = await fresh('wizard-hup-');
    const command = [
      'env',
      `PATH=${process.env.PATH}`,
      `WIZARD_ROOT=${root}`,
      'WIZARD_FEED_URL=off',
      'TERM=xterm-256color',
      'CI=false',
      process.execPath,
      CLI,
      ...args,
    ].join(' ');
    tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '50', command);
    await until('the install to start its containers', () =>
      tmux('capture-pane', '-p', '-t', session).includes('Start the containers'),
    );
    const running = await until('its progress file', () => progress(root));
    // The SSH session drops: the pseudo-terminal closes, the kernel hangs the session up.
    tmux('kill-session', '-t', session);
    const ended = await until('the install to end', () => {
      const p = progress(root);
      return p?.ended && !alive(running.pid) ? p : undefined;
    });
    expect(ended.ended).toMatchObject({ ok: true, message: 'Rocket.Chat 8.0.1 is installed as rocketchat' });
    expect(state(root)).toMatchObject({ status: 'installed', release: '8.0.1' });
    expect(await (await fetch(`http://127.0.0.1:${port}/api/info`)).json()).toEqual({
      version: '8.0.1',
      success: true,
    });
    const log = readFileSync(ended.log, 'utf8');
    const hangup = log.indexOf('SIGHUP received: the terminal is gone; the run goes on to its end');
    expect(hangup).toBeGreaterThan(0);
    expect(
      log.indexOf('progress: ended (done): Rocket.Chat 8.0.1 is installed as rocketchat'),
    ).toBeGreaterThan(hangup);
  });
});
