import { execFileSync } from 'node:child_process';
import { chownSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/core/envfile.js';
import { tmpRoot } from '../helpers/tmp.js';
import { installArgs } from './helpers/install.js';
import { asUid, rootTargets } from './helpers/plant.js';
import { dockerAvailable, ensureStandinImages, makeFixtureRepo } from './helpers/standins.js';
import { freePort, runWizard, unwrapped } from './helpers/wizard.js';

/**
 * A real Mattermost install on the real Docker engine: `--tls none --offline --yes` against the stand-in images
 * (mattermost/mattermost-team-edition, postgres) and a local clone of the fixture of mattermost/docker. Only a
 * free port on 127.0.0.1 is published, so other stacks can run beside it.
 */
/** The folders mattermost/docker bind-mounts into the container, owned by its uid 2000. */
const LEAVES = ['config', 'data', 'logs', 'plugins', 'client/plugins', 'bleve-indexes'];

describe('install Mattermost end to end', () => {
  let root = '';
  let repo = '';
  let port = 0;
  let env: Record<string, string> = {};
  // No --domain or --email: this file answers them from the environment.
  const args = () => installArgs({ platform: 'mattermost', domain: null, email: null, repo, port });
  const state = () =>
    JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8')).installs.mattermost;
  const dataDir = () => join(root, 'opt/mattermost');
  const values = () => parseEnv(readFileSync(join(dataDir(), '.env'), 'utf8')).values;
  const compose = (...a: string[]) =>
    execFileSync(
      'docker',
      [
        'compose',
        '--project-name',
        state().project,
        '--project-directory',
        dataDir(),
        '-f',
        'docker-compose.yml',
        '-f',
        'compose.wizard.yml',
        ...a,
      ],
      {
        cwd: dataDir(),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  const api = async (path: string, init?: RequestInit) => {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, init);
    return { status: r.status, headers: r.headers, json: (await r.json()) as Record<string, unknown> };
  };
  const login = (loginId: string, password: string) =>
    api('/api/v4/users/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login_id: loginId, password }),
    });
  const admins = () =>
    compose(
      'exec',
      '-T',
      'postgres',
      'psql',
      '-U',
      'mmuser',
      '-d',
      'mattermost',
      '-tAc',
      "SELECT count(*) FROM users WHERE roles LIKE '%system_admin%'",
    ).trim();

  beforeAll(async () => {
    if (!(await dockerAvailable()))
      throw new Error('No Docker engine answers: the e2e suite needs one (run .ci/setup-docker.sh).');
    await ensureStandinImages();
    root = tmpRoot('wizard-e2e-mm-');
    repo = await makeFixtureRepo(root, 'mattermost-docker');
    port = await freePort();
    env = { WIZARD_ROOT: root, WIZARD_READY_TIMEOUT: '120' };
  });

  afterAll(() => {
    try {
      compose('down', '--volumes', '--remove-orphans', '--timeout', '5');
    } catch {
      // nothing was started
    }
  });

  it('installs, answers the ping with the expected release, and ends on the first-admin URL and login', async () => {
    const r = await runWizard([...args(), '--domain', 'localhost', '--email', 'admin@example.com'], env);
    expect(r.stderr).not.toContain('✖');
    expect(r.code).toBe(0);
    const v = values();
    expect(r.stdout).toContain('✔ Mattermost 11.7.15 is running.');
    expect(r.stdout).toContain(`Open http://localhost:${port} and log in as the first admin:`);
    expect(r.stdout).toContain(`password  ${v.ADMIN_PASSWORD}`);
    expect(r.stderr).toMatch(/Mattermost 11.7.15 answers \(after \d+ s\)/);
    expect(r.stderr).toContain('Created the first admin "admin"');

    const ping = await api('/api/v4/system/ping');
    expect(ping.status).toBe(200);
    expect(ping.json.status).toBe('OK');
    expect(ping.headers.get('x-version-id')).toMatch(/^11\.7\.15\./);

    const ok = await login('admin', v.ADMIN_PASSWORD ?? '');
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ username: 'admin', email: 'admin@example.com' });
    expect(String(ok.json.roles).split(' ')).toContain('system_admin');
    // Created through the API (no password in any argv), then verified with mmctl in local mode.
    expect(ok.json.email_verified).toBe(true);
    const me = await api('/api/v4/users/me', {
      headers: { authorization: `Bearer ${ok.headers.get('token')}` },
    });
    expect(me.json.username).toBe('admin');
    expect((await login('admin', 'wrong-password')).status).toBe(401);
  });

  it("writes .env at 0600 with upstream's variables, the volume folders for uid 2000, and keeps the clone clean", () => {
    expect(statSync(join(dataDir(), '.env')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir(), 'compose.wizard.yml')).mode & 0o777).toBe(0o644);
    const v = values();
    expect(v).toMatchObject({
      DOMAIN: 'localhost',
      MATTERMOST_IMAGE: 'mattermost-team-edition',
      MATTERMOST_IMAGE_TAG: '11.7.15',
      MM_SERVICESETTINGS_SITEURL: `http://localhost:${port}`,
      APP_PORT: String(port),
      POSTGRES_USER: 'mmuser',
      POSTGRES_DB: 'mattermost',
      ADMIN_USERNAME: 'admin',
    });
    expect(Number.parseInt(v.POSTGRES_IMAGE_TAG ?? '', 10)).toBeGreaterThanOrEqual(14);
    expect(v.POSTGRES_PASSWORD).toMatch(/^[A-Za-z0-9]{24}$/);
    // The bind-mounted leaves are the container's; their parents stay root's (and the server starts).
    for (const sub of LEAVES) {
      const st = statSync(join(dataDir(), 'volumes/app/mattermost', sub));
      expect([sub, st.uid, st.gid]).toEqual([sub, 2000, 2000]);
    }
    for (const sub of ['', 'client']) {
      const st = statSync(join(dataDir(), 'volumes/app/mattermost', sub));
      expect([sub, st.uid, st.mode & 0o777]).toEqual([sub, 0, 0o755]);
    }
    expect(statSync(join(dataDir(), 'volumes/app/mattermost/config/config.json')).uid).toBe(2000);
    expect(execFileSync('git', ['-C', dataDir(), 'status', '--porcelain'], { encoding: 'utf8' })).toBe('');
    // The app only on loopback; PostgreSQL not on the host at all.
    expect(compose('port', 'mattermost', '8065').trim()).toBe(`127.0.0.1:${port}`);
    const ps = compose('ps', '--format', 'json')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { Service: string; Publishers?: { PublishedPort: number }[] });
    expect(
      ps.find((c) => c.Service === 'postgres')?.Publishers?.filter((p) => p.PublishedPort > 0) ?? [],
    ).toEqual([]);
  });

  it('records the install in the state, and `status --json` shows live containers', async () => {
    expect(state()).toMatchObject({
      platform: 'mattermost',
      domain: 'localhost',
      release: '11.7.15',
      status: 'installed',
      tls: 'none',
      port,
    });
    expect(Object.keys(state().journal)).toEqual(expect.arrayContaining(['clone', 'up', 'ready', 'admin']));
    const r = await runWizard(['status', '--json'], env);
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout);
    const install = status.installs.find((i: { name: string }) => i.name === 'mattermost');
    const services = Object.fromEntries(
      install.containers.map((c: { service: string; state: string }) => [c.service, c.state]),
    );
    expect(services).toMatchObject({ mattermost: 'running', postgres: 'running' });
  });

  it('a second run changes no secret and creates no second admin', async () => {
    const before = readFileSync(join(dataDir(), '.env'), 'utf8');
    const r = await runWizard(args(), env);
    expect(r.code).toBe(0);
    expect(unwrapped(r.stderr)).toContain(
      '"mattermost" is already installed: this run repairs it with the same secrets and data.',
    );
    expect(r.stderr).toContain('First admin "admin" logs in');
    expect(r.stdout).toContain('unchanged (not shown again)');
    expect(readFileSync(join(dataDir(), '.env'), 'utf8')).toBe(before);
    const pass = parseEnv(before).values.ADMIN_PASSWORD ?? '';
    expect(r.stdout).not.toContain(pass);
    expect((await login('admin', pass)).status).toBe(200);
    expect(admins()).toBe('1');
    expect(
      compose('exec', '-T', 'mattermost', 'mmctl', '--local', 'user', 'list').trim().split('\n'),
    ).toHaveLength(1);
    expect(compose('logs', '--no-color', 'mattermost').match(/"msg":"User created"/g)).toHaveLength(1);
  });

  it("uid 2000's links in its folders are never followed by a re-run, and it can't swap those folders", async () => {
    const target = rootTargets(root);
    for (const sub of LEAVES) {
      const path = join(dataDir(), 'volumes/app/mattermost', sub);
      expect(asUid(2000, 2000, 'ln', ['-s', target.file, join(path, 'wizard-planted')]), sub).toBe(true);
      // The attack of the security review: config swapped for a link to a root-owned folder.
      expect(asUid(2000, 2000, 'mv', [path, `${path}.old`]), sub).toBe(false);
      expect(asUid(2000, 2000, 'ln', ['-s', target.dir, `${path}.link`]), sub).toBe(false);
    }
    const r = await runWizard(args(), env);
    expect(r.stderr).not.toContain('✖');
    expect(r.code).toBe(0);
    target.untouched();
    for (const sub of LEAVES)
      expect([sub, statSync(join(dataDir(), 'volumes/app/mattermost', sub)).uid]).toEqual([sub, 2000]);
    expect((await login('admin', values().ADMIN_PASSWORD ?? '')).status).toBe(200);
  });

  it("repairs the volume folders' owner, without which the server does not start", async () => {
    chownSync(join(dataDir(), 'volumes/app/mattermost/config'), 0, 0);
    compose('restart', '--timeout', '5', 'mattermost');
    await new Promise((res) => setTimeout(res, 1500));
    expect(compose('logs', '--no-color', '--tail', '5', 'mattermost')).toContain(
      'Error: failed to load configuration: failed to create store: unable to load on store creation: failed to persist: failed to write file: open /mattermost/config/config.json: permission denied',
    );
    const r = await runWizard(args(), env);
    expect(r.code).toBe(0);
    expect(statSync(join(dataDir(), 'volumes/app/mattermost/config')).uid).toBe(2000);
    expect((await login('admin', values().ADMIN_PASSWORD ?? '')).status).toBe(200);
    expect(admins()).toBe('1');
  });

  it('never writes a generated secret to its logs', () => {
    const v = values();
    const logs = execFileSync('find', [join(root, 'var/log/wizard'), '-type', 'f'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(logs.length).toBeGreaterThanOrEqual(3);
    for (const l of logs) {
      const text = readFileSync(l, 'utf8');
      expect(text).toContain('$ docker compose');
      expect(text).not.toContain(v.ADMIN_PASSWORD);
      expect(text).not.toContain(v.POSTGRES_PASSWORD);
    }
  });
});
