import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/core/envfile.js';
import { tmpRoot } from '../helpers/tmp.js';
import { dockerAvailable, ensureStandinImages, makeFixtureRepo } from './helpers/standins.js';
import { CLI, freePort } from './helpers/wizard.js';

/**
 * A person at an 80x24 terminal installs Rocket.Chat on the stand-ins: tmux runs the built wizard, the review's
 * key answers and its question share one screen, a pasted `yes` goes ahead, and the screen the wizard leaves
 * shows the URL, the login, the password and where it is stored (capture-pane reads the visible rows only).
 */
const session = `wizard-80x24-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
/** The 24 visible rows, nothing scrolled off. */
const visible = () => tmux('capture-pane', '-p', '-t', session);

async function waitFor(text: string | RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = tmux('capture-pane', '-p', '-S', '-500', '-t', session);
    if (typeof text === 'string' ? last.includes(text) : text.test(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Timed out waiting for ${String(text)}; the terminal shows:\n${last}`);
}

describe('the wizard at 80x24', () => {
  let root = '';
  let repo = '';
  let port = 0;

  beforeAll(async () => {
    if (!(await dockerAvailable()))
      throw new Error('No Docker engine answers: the e2e suite needs one (run .ci/setup-docker.sh).');
    await ensureStandinImages();
    root = tmpRoot('wizard-e2e-');
    repo = await makeFixtureRepo(root, 'rocketchat-compose');
    port = await freePort();
  });

  afterAll(() => {
    try {
      tmux('kill-session', '-t', session);
    } catch {
      // already gone
    }
    try {
      const i = JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8')).installs.rocketchat;
      execFileSync(
        'docker',
        [
          'compose',
          '--project-name',
          i.project,
          '--project-directory',
          join(root, i.dataDir),
          '-f',
          'compose.database.yml',
          '-f',
          'compose.yml',
          '-f',
          'compose.wizard.yml',
          'down',
          '--volumes',
          '--remove-orphans',
          '--timeout',
          '5',
        ],
        { cwd: join(root, i.dataDir), stdio: 'ignore' },
      );
    } catch {
      // nothing was started
    }
  });

  it('reviews on one screen, takes a pasted yes, and ends with the URL, login and password in view', async () => {
    const command = [
      'env',
      `PATH=${process.env.PATH}`,
      `HOME=${process.env.HOME ?? '/root'}`,
      `WIZARD_ROOT=${root}`,
      'WIZARD_READY_TIMEOUT=240',
      'WIZARD_POLL_MS=500',
      'WIZARD_FEED_URL=off',
      'TERM=xterm-256color',
      // Ink draws only the last frame when it believes it runs in CI (is-in-ci); a person's terminal is not CI.
      'CI=false',
      process.execPath,
      CLI,
      'install',
      '--platform',
      'rocketchat',
      '--domain',
      'localhost',
      '--email',
      'admin@example.com',
      '--version',
      '8.0.1',
      '--data-dir',
      '/opt/rocketchat',
      '--admin-username',
      'admin',
      '--tls',
      'none',
      '--offline',
      '--repo-url',
      repo,
      '--port',
      String(port),
      ';',
      'echo',
      'EXIT=$?;',
      'sleep',
      '300',
    ].join(' ');
    tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', command);

    await waitFor('Go ahead and install?', 60_000);
    const review = visible();
    expect(review).toContain('Review: installing Rocket.Chat');
    expect(review).toMatch(/Domain +localhost/);
    expect(review).toMatch(/Admin username +admin/);
    expect(review).toMatch(/Files +2 \(2 to create\); f lists them/);
    expect(review).toContain('? Go ahead and install? [y/n, f: files, c: commands]');

    // A pasted answer arrives in one piece, its newline with it.
    tmux('set-buffer', '-b', session, 'yes\n');
    tmux('paste-buffer', '-b', session, '-t', session);
    await waitFor(/EXIT=\d+/, 300_000);

    const end = visible();
    const password = parseEnv(readFileSync(join(root, 'opt/rocketchat/.env'), 'utf8')).values.ADMIN_PASS;
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(end).toContain('EXIT=0');
    expect(end).toContain(`Open http://localhost:${port} and log in as the first admin:`);
    expect(end).toContain('  username  admin');
    expect(end).toContain(`  password  ${password}`);
    expect(end).toMatch(/ {2}stored in .*\/opt\/rocketchat\/\.env/);
  });
});
