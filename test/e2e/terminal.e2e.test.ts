import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/core/envfile.js';
import { tmpRoot } from '../helpers/tmp.js';
import { terminal } from '../helpers/tmux.js';
import { dockerAvailable, ensureStandinImages, makeFixtureRepo } from './helpers/standins.js';
import { freePort } from './helpers/wizard.js';

/**
 * A first install typed at a real terminal (tmux), on the real engine with the stand-in images: every answer in
 * one write (a paste, a fast typist over a laggy link), a typo fixed with Left in the middle of the domain, Esc
 * back one question, a taken app port asked again during the questions, and a pasted "yes" at the review; then
 * the install is checked: it runs on the port answered, and its first admin, named at the questions, logs in.
 */
describe('a first install in a terminal', () => {
  let root = '';
  let repo = '';
  let held: Server | undefined;
  let heldPort = 0;
  const t = terminal('e2e-install', { x: 140, y: 60 });

  beforeAll(async () => {
    if (!(await dockerAvailable()))
      throw new Error('No Docker engine answers: the e2e suite needs one (run .ci/setup-docker.sh).');
    await ensureStandinImages();
    root = tmpRoot('wizard-e2e-pty-');
    repo = await makeFixtureRepo(root, 'rocketchat-compose');
    heldPort = await freePort();
    const server = createServer();
    await new Promise<void>((res) => server.listen(heldPort, '0.0.0.0', () => res()));
    held = server;
  });

  afterAll(() => {
    t.kill();
    held?.close();
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
          'down',
          '--volumes',
        ],
        { cwd: join(root, i.dataDir), stdio: 'ignore' },
      );
    } catch {
      // nothing was started
    }
  });

  it('asks again for a taken port, reads the answers typed ahead, goes back with Esc, and installs on "yes"', async () => {
    const port = await freePort();
    t.start(
      [
        '--tls',
        'none',
        '--offline',
        '--repo-url',
        repo,
        '--port',
        String(heldPort),
        // Upstream's loopback ports unpublished: no clash with other stacks on this engine.
        '--mongodb-port',
        'none',
        '--nats-port',
        'none',
        '--metrics-port',
        'none',
      ],
      {
        WIZARD_ROOT: root,
        HOME: process.env.HOME ?? '/root',
        WIZARD_READY_TIMEOUT: '240',
        WIZARD_POLL_MS: '500',
      },
    );
    await t.waitFor('Which chat platform?', 60_000);
    t.keys('Enter');
    // The port is checked right after the platform: taken, so it is asked again (the next free one offered).
    const conflict = await t.waitFor('? App port on 127.0.0.1:');
    expect(conflict).toMatch(new RegExp(`✖ Ports\\s+in use: ${heldPort} by `));
    expect(conflict).toContain(`Or use other ports: --port ${heldPort + 1}`);
    // Every answer in one write: the port, the domain with a typo fixed by Left × 4 and an insert, the email,
    // the release and the data directory (their defaults).
    t.type(`${port}\rlocahost${'\u001B[D'.repeat(4)}l\radmin@example.com\r\r\r`);
    await t.waitFor('? Admin username:');
    expect(t.screen()).toMatch(new RegExp(`✔ Ports\\s+${port} free`));
    expect(t.screen()).toContain('✔ Domain or address (e.g. chat.example.com, or localhost): localhost');
    // Back one question: the data directory, its answer the default.
    t.keys('Escape');
    await t.waitFor('? Data directory: (/opt/rocketchat)');
    t.keys('Enter');
    await t.waitFor('? Admin username:');
    t.type('boss\r');
    const review = await t.waitFor('Go ahead and install?');
    expect(review).toContain(`App port        127.0.0.1:${port}`);
    expect(review).toContain('Admin username  boss');
    // A pasted "yes" is yes.
    t.type('yes\r');
    const end = await t.waitFor(/EXIT=\d+/, 420_000);
    expect(end).toContain('EXIT=0');
    expect(end).toContain(`http://localhost:${port}`);

    const state = JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8')).installs
      .rocketchat;
    expect(state).toMatchObject({ status: 'installed', port, domain: 'localhost' });
    const env = parseEnv(readFileSync(join(root, 'opt/rocketchat/.env'), 'utf8')).values;
    expect(env.ADMIN_USERNAME).toBe('boss');
    const login = await fetch(`http://127.0.0.1:${port}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'boss', password: env.ADMIN_PASS }),
    });
    expect(login.status).toBe(200);
    // The unpublished ports are not published.
    const ports = execFileSync(
      'docker',
      ['ps', '--filter', `label=com.docker.compose.project=${state.project}`, '--format', '{{.Ports}}'],
      {
        encoding: 'utf8',
      },
    );
    expect(ports).not.toMatch(/27017->|4222->|9458->/);
  });
});
