import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/core/envfile.js';
import { tmpRoot } from '../helpers/tmp.js';
import { installArgs } from './helpers/install.js';
import { dockerAvailable, ensureStandinImages, makeFixtureRepo } from './helpers/standins.js';
import { freePort, runWizard, unwrapped } from './helpers/wizard.js';

/**
 * A real install on the real Docker engine: `--tls none --offline --yes` against the stand-in images and a
 * local clone of the fixture compose repository. The e2e suite never skips: no engine is a failure.
 */
describe('install Rocket.Chat end to end', () => {
  let root = '';
  let repo = '';
  let port = 0;
  let env: Record<string, string> = {};
  // No --domain or --email: this file answers them from the environment.
  const args = () => installArgs({ platform: 'rocketchat', domain: null, email: null, repo, port });
  const project = () =>
    JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8')).installs.rocketchat
      .project as string;
  const dataDir = () => join(root, 'opt/rocketchat');
  const compose = (...a: string[]) =>
    execFileSync(
      'docker',
      [
        'compose',
        '--project-name',
        project(),
        '--project-directory',
        dataDir(),
        '-f',
        'compose.database.yml',
        '-f',
        'compose.yml',
        '-f',
        'compose.wizard.yml',
        ...a,
      ],
      { cwd: dataDir(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  const api = async (path: string, init?: RequestInit) =>
    fetch(`http://127.0.0.1:${port}${path}`, init).then(async (r) => ({
      status: r.status,
      json: (await r.json()) as Record<string, unknown>,
    }));
  const login = (user: string, password: string) =>
    api('/api/v1/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user, password }),
    });

  beforeAll(async () => {
    if (!(await dockerAvailable()))
      throw new Error('No Docker engine answers: the e2e suite needs one (run .ci/setup-docker.sh).');
    await ensureStandinImages();
    root = tmpRoot('wizard-e2e-');
    repo = await makeFixtureRepo(root, 'rocketchat-compose');
    port = await freePort();
    env = { WIZARD_ROOT: root, WIZARD_READY_TIMEOUT: '240' };
  });

  afterAll(() => {
    for (const name of ['rocketchat', 'team2']) {
      try {
        const i = JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8')).installs[name];
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
    }
  });

  it('installs, answers with the expected version, and ends on the first-admin URL and login', async () => {
    const r = await runWizard([...args(), '--domain', 'localhost', '--email', 'admin@example.com'], env);
    expect(r.stderr).not.toContain('✖');
    expect(r.code).toBe(0);
    const values = parseEnv(readFileSync(join(dataDir(), '.env'), 'utf8')).values;
    expect(r.stdout).toContain('✔ Rocket.Chat 8.0.1 is running.');
    expect(r.stdout).toContain(`Open http://localhost:${port} and log in as the first admin:`);
    expect(r.stdout).toContain(`password  ${values.ADMIN_PASS}`);
    expect(r.stderr).toMatch(/Rocket.Chat 8.0.1 answers \(after \d+ s\)/);
    expect(await api('/api/info')).toEqual({ status: 200, json: { version: '8.0.1', success: true } });
    expect((await login('admin', values.ADMIN_PASS ?? '')).json.status).toBe('success');
    expect((await login('admin', 'wrong')).status).toBe(401);
  });

  it('writes the env file with its secret at 0600 and the upstream variables, and keeps the clone clean', () => {
    const envPath = join(dataDir(), '.env');
    expect(statSync(envPath).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir(), 'compose.wizard.yml')).mode & 0o777).toBe(0o644);
    expect(parseEnv(readFileSync(envPath, 'utf8')).values).toMatchObject({
      RELEASE: '8.0.1',
      MONGODB_VERSION: '8.2',
      DOMAIN: 'localhost',
      ROOT_URL: `http://localhost:${port}`,
      PORT: '3000',
      HOST_PORT: String(port),
      BIND_IP: '127.0.0.1',
      ADMIN_USERNAME: 'admin',
      ADMIN_EMAIL: 'admin@example.com',
    });
    expect(execFileSync('git', ['-C', dataDir(), 'status', '--porcelain'], { encoding: 'utf8' })).toBe('');
    // Published only on loopback.
    expect(compose('port', 'rocketchat', '3000').trim()).toBe(`127.0.0.1:${port}`);
  });

  it('records the install in the state, and `status --json` shows live containers', async () => {
    const state = JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8'));
    expect(state.installs.rocketchat).toMatchObject({
      platform: 'rocketchat',
      domain: 'localhost',
      release: '8.0.1',
      status: 'installed',
      tls: 'none',
      port,
    });
    expect(Object.keys(state.installs.rocketchat.journal)).toEqual(
      expect.arrayContaining(['clone', 'up', 'ready', 'admin']),
    );
    const r = await runWizard(['status', '--json'], env);
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout);
    const services = Object.fromEntries(
      status.installs[0].containers.map((c: { service: string; state: string }) => [c.service, c.state]),
    );
    expect(services).toMatchObject({ rocketchat: 'running', mongodb: 'running', nats: 'running' });
    const text = await runWizard(['status'], env);
    // The install's name once, its platform and release, and the URL users open.
    expect(text.stdout).toContain('rocketchat  Rocket.Chat 8.0.1 (installed)');
    expect(text.stdout).toContain(`  http://localhost:${port}`);
  });

  it('a second run repairs without changing a secret or creating a second admin', async () => {
    const before = readFileSync(join(dataDir(), '.env'), 'utf8');
    const r = await runWizard(args(), env);
    expect(r.code).toBe(0);
    expect(unwrapped(r.stderr)).toContain(
      '"rocketchat" is already installed: this run repairs it with the same secrets and data.',
    );
    expect(r.stdout).toContain('unchanged (not shown again)');
    expect(readFileSync(join(dataDir(), '.env'), 'utf8')).toBe(before);
    const pass = parseEnv(before).values.ADMIN_PASS ?? '';
    expect(r.stdout).not.toContain(pass);
    expect((await login('admin', pass)).json.status).toBe('success');
    const logs = compose('logs', '--no-color', 'rocketchat');
    expect(logs.match(/Inserting admin user/g), `${logs}\n---\n${r.stderr}`).toHaveLength(1);
  });

  it('never writes the generated password to its logs', () => {
    const pass = parseEnv(readFileSync(join(dataDir(), '.env'), 'utf8')).values.ADMIN_PASS ?? '';
    const logs = execFileSync('find', [join(root, 'var/log/wizard'), '-type', 'f'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(logs.length).toBeGreaterThanOrEqual(2);
    for (const l of logs) {
      const text = readFileSync(l, 'utf8');
      expect(text).toContain('$ docker compose');
      expect(text).not.toContain(pass);
    }
  });

  it('a second Rocket.Chat on the same host gets its own MongoDB, NATS and metrics ports, and both answer', async () => {
    const port2 = await freePort();
    const r = await runWizard(
      [
        'install',
        '--platform',
        'rocketchat',
        '--name',
        'team2',
        '--data-dir',
        '/opt/team2',
        '--domain',
        'team2.localhost',
        '--email',
        'admin@example.com',
        '--tls',
        'none',
        '--offline',
        '--yes',
        '--repo-url',
        repo,
        '--port',
        String(port2),
      ],
      env,
    );
    expect(r.stderr).not.toContain('✖');
    expect(r.code).toBe(0);
    expect(unwrapped(r.stderr)).toContain(
      'The MongoDB port 27017 belongs to another install on this host: this one uses 27018 (--mongodb-port sets it).',
    );
    const dir = join(root, 'opt/team2');
    expect(parseEnv(readFileSync(join(dir, '.env'), 'utf8')).values).toMatchObject({
      MONGODB_HOST_PORT: '27018',
      NATS_PORT_NUMBER: '4223',
      METRICS_PORT: '9459',
    });
    const state = JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8'));
    expect(state.installs.team2.extra).toMatchObject({
      mongodbPort: '27018',
      natsPort: '4223',
      metricsPort: '9459',
    });
    const project2 = state.installs.team2.project as string;
    const port = execFileSync(
      'docker',
      [
        'compose',
        '--project-name',
        project2,
        '--project-directory',
        dir,
        '-f',
        'compose.database.yml',
        '-f',
        'compose.yml',
        '-f',
        'compose.wizard.yml',
        'port',
        'mongodb',
        '27017',
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(port.trim()).toBe('127.0.0.1:27018');
    expect((await fetch(`http://127.0.0.1:${port2}/api/info`).then((x) => x.json())) as unknown).toEqual({
      version: '8.0.1',
      success: true,
    });
    expect((await api('/api/info')).json).toEqual({ version: '8.0.1', success: true });
  });
});
