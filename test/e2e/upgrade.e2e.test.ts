import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/core/envfile.js';
import { tmpRoot } from '../helpers/tmp.js';
import { installArgs } from './helpers/install.js';
import { dockerAvailable, ensureStandinImages, makeFixtureRepo } from './helpers/standins.js';
import { freePort, runWizard } from './helpers/wizard.js';

const IMAGE = 'registry.rocket.chat/rocketchat/rocket.chat';

/** Upgrades on the real engine: --check, a release that never comes up (rolled back), a real upgrade. */
describe('wizard upgrade end to end', () => {
  let root = '';
  let port = 0;
  let env: Record<string, string> = {};
  const dataDir = () => join(root, 'opt/rocketchat');
  const envValues = () => parseEnv(readFileSync(join(dataDir(), '.env'), 'utf8')).values;
  const state = () =>
    JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8')).installs.rocketchat;
  const info = async () => (await fetch(`http://127.0.0.1:${port}/api/info`)).json();
  const login = async () => {
    const r = await fetch(`http://127.0.0.1:${port}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'admin', password: envValues().ADMIN_PASS }),
    });
    return ((await r.json()) as { status: string }).status;
  };
  const docker = (...a: string[]) =>
    execFileSync('docker', a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

  beforeAll(async () => {
    if (!(await dockerAvailable()))
      throw new Error('No Docker engine answers: the e2e suite needs one (run .ci/setup-docker.sh).');
    await ensureStandinImages();
    root = tmpRoot('wizard-upgrade-');
    const repo = await makeFixtureRepo(root, 'rocketchat-compose');
    port = await freePort();
    env = { WIZARD_ROOT: root, WIZARD_READY_TIMEOUT: '25' };
    const r = await runWizard(installArgs({ platform: 'rocketchat', version: '7.13.0', repo, port }), env);
    if (r.code !== 0) throw new Error(`install failed: ${r.stderr}`);
  });

  afterAll(() => {
    try {
      execFileSync('docker', ['compose', 'down', '--volumes', '--timeout', '2'], {
        cwd: dataDir(),
        stdio: 'ignore',
      });
    } catch {
      // nothing to remove
    }
  });

  it('--check exits 10 and names the next step when an upgrade is available', async () => {
    const r = await runWizard(['upgrade', '--check', '--json'], env);
    expect(r.code).toBe(10);
    expect(JSON.parse(r.stdout)).toMatchObject({
      install: 'rocketchat',
      current: '7.13.0',
      next: '8.0.1',
      newest: '8.0.1',
      upgradeAvailable: true,
    });
  });

  it('refuses a downgrade with exit 2, changing nothing', async () => {
    const r = await runWizard(['upgrade', '--to', '7.0.0', '--yes'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Can't upgrade Rocket.Chat 7.13.0 to 7.0.0");
  });

  it('a release that never becomes ready is rolled back: the old version answers, data intact', async () => {
    const original = docker('image', 'inspect', '--format', '{{.Id}}', `${IMAGE}:8.0.0`);
    docker('tag', `${IMAGE}:9.9.9-broken`, `${IMAGE}:8.0.0`);
    try {
      // It never answers (alive, not crashing): the whole readiness timeout is waited, so a short one here.
      const r = await runWizard(['upgrade', '--to', '8.0.0', '--yes', '--offline'], {
        ...env,
        WIZARD_READY_TIMEOUT: '12',
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('Rocket.Chat 8.0.0 did not come up');
      expect(r.stderr).toContain('7.13.0 was put back and it answers again');
      expect(r.stderr).toMatch(/The backup taken before: .*rocketchat-.*-7\.13\.0-to-8\.0\.0\.tar/);
    } finally {
      docker('tag', original, `${IMAGE}:8.0.0`);
    }
    expect(await info()).toEqual({ version: '7.13.0', success: true });
    expect(envValues().RELEASE).toBe('7.13.0');
    expect(await login()).toBe('success');
    expect(state()).toMatchObject({
      release: '7.13.0',
      history: [{ from: '7.13.0', to: '8.0.0', result: 'rolled back' }],
    });
  });

  it('upgrades with a backup, the new version answering and the admin still there', async () => {
    const r = await runWizard(['upgrade', '--yes', '--offline'], env);
    expect(r.stderr).not.toContain('✖');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✔ Rocket.Chat upgraded: 7\.13\.0 → 8\.0\.1 \(backup: .*\.tar\)/);
    expect(await info()).toEqual({ version: '8.0.1', success: true });
    expect(envValues()).toMatchObject({ RELEASE: '8.0.1', MONGODB_VERSION: '8.2' });
    expect(await login()).toBe('success');
    const backup = state().history.at(-1).backup as string;
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    const listing = execFileSync('tar', ['-tf', backup], { encoding: 'utf8' });
    expect(listing).toContain('mongodb.archive');
    expect(listing).toContain('files/opt/rocketchat/.env');
    expect(listing).toContain('files/var/lib/wizard/state.json');
    expect(state().release).toBe('8.0.1');
  });

  it('wizard restore puts the backed-up release, files and database back', async () => {
    const backup = state().history.at(-1).backup as string;
    const refused = await runWizard(['restore', backup], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Pass --yes');
    const r = await runWizard(['restore', backup, '--yes'], env);
    expect(r.stderr).not.toContain('✖');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`✔ rocketchat restored to Rocket.Chat 7.13.0 from ${backup}.`);
    expect(await info()).toEqual({ version: '7.13.0', success: true });
    expect(envValues()).toMatchObject({ RELEASE: '7.13.0', MONGODB_VERSION: '8.0' });
    expect(await login()).toBe('success');
    expect(state().release).toBe('7.13.0');
    // And forward again, for the last check.
    expect((await runWizard(['upgrade', '--yes', '--offline', '--no-backup'], env)).code).toBe(0);
  });

  it('--check then says it is up to date (exit 0)', async () => {
    const r = await runWizard(['upgrade', '--check'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Rocket.Chat 8.0.1 is up to date.');
  });
});
