import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/core/envfile.js';
import { type E2eInstall, e2eInstall, removeE2eInstall } from './helpers/install.js';
import { runWizard } from './helpers/wizard.js';

const IMAGE = 'mattermost/mattermost-team-edition';

/**
 * Mattermost upgrades on the real engine, ESR to ESR (10.11.23 → 11.7.15) on the stand-in images: --check, a new
 * release that never answers (rolled back), the real upgrade with its pg_dump backup, and a restore.
 */
describe('wizard upgrade Mattermost end to end', () => {
  let install: E2eInstall | undefined;
  let root = '';
  let port = 0;
  let env: Record<string, string> = {};
  const dataDir = () => join(root, 'opt/mattermost');
  const values = () => parseEnv(readFileSync(join(dataDir(), '.env'), 'utf8')).values;
  const state = () =>
    JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8')).installs.mattermost;
  const ping = async () => {
    const r = await fetch(`http://127.0.0.1:${port}/api/v4/system/ping`);
    return /^(\d+\.\d+\.\d+)/.exec(r.headers.get('x-version-id') ?? '')?.[1];
  };
  const login = async () =>
    (
      await fetch(`http://127.0.0.1:${port}/api/v4/users/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login_id: 'admin', password: values().ADMIN_PASSWORD }),
      })
    ).status;
  const docker = (...a: string[]) =>
    execFileSync('docker', a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

  beforeAll(async () => {
    install = await e2eInstall({
      prefix: 'wizard-upgrade-mm-',
      platform: 'mattermost',
      version: '10.11.23',
      env: { WIZARD_READY_TIMEOUT: '15' },
      installEnv: { WIZARD_READY_TIMEOUT: '60' },
    });
    ({ root, port, env } = install);
  }, 90_000);

  afterAll(() => removeE2eInstall(install));

  it('--check exits 10 and names the next ESR with the release notes', async () => {
    const r = await runWizard(['upgrade', '--check', '--json'], env);
    expect(r.code, r.stderr).toBe(10);
    expect(JSON.parse(r.stdout)).toMatchObject({
      install: 'mattermost',
      current: '10.11.23',
      next: '11.7.15',
      newest: '11.7.15',
      upgradeAvailable: true,
      releaseNotes: 'https://docs.mattermost.com/product-overview/mattermost-server-releases.html',
    });
  });

  it('a backup folder on a filesystem too small for the backup: refused before anything changes, exit 3', async () => {
    const backups = join(dataDir(), 'backups');
    mkdirSync(backups, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', backups]);
    try {
      const before = readFileSync(join(dataDir(), '.env'), 'utf8');
      const r = await runWizard(['upgrade', '--yes', '--offline'], env);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(
        /Not enough disk for the upgrade: 0\.1 GiB free at \S+\/backups, the backup \(~1\.0 GiB\) needs ~1\.0 GiB\. Nothing was changed\./,
      );
      expect(r.stderr).toContain('docker image prune -a');
      expect(readFileSync(join(dataDir(), '.env'), 'utf8')).toBe(before);
      expect(state()).toMatchObject({ release: '10.11.23' });
      expect(state().upgradeJournal).toBeUndefined();
      expect(await ping()).toBe('10.11.23');
    } finally {
      execFileSync('umount', [backups]);
    }
  });

  it('a new release that never answers is rolled back: 10.11.23 answers again, the admin still logs in', async () => {
    const original = docker('image', 'inspect', '--format', '{{.Id}}', `${IMAGE}:11.7.15`);
    // An image that exits at once, under the target's tag.
    docker('tag', 'wizard-standin/base:latest', `${IMAGE}:11.7.15`);
    try {
      const r = await runWizard(['upgrade', '--yes', '--offline'], env);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('Mattermost 11.7.15 did not come up');
      expect(r.stderr).toContain('10.11.23 was put back and it answers again');
      expect(r.stderr).toMatch(/The backup taken before: .*mattermost-.*-10\.11\.23-to-11\.7\.15\.tar/);
    } finally {
      docker('tag', original, `${IMAGE}:11.7.15`);
    }
    expect(await ping()).toBe('10.11.23');
    expect(values().MATTERMOST_IMAGE_TAG).toBe('10.11.23');
    expect(await login()).toBe(200);
    expect(state()).toMatchObject({
      release: '10.11.23',
      history: [{ from: '10.11.23', to: '11.7.15', result: 'rolled back' }],
    });
  });

  it('upgrades to the next ESR with a pg_dump backup; PostgreSQL and its credentials stay as they were', async () => {
    const before = values();
    const r = await runWizard(['upgrade', '--yes', '--offline'], env);
    expect(r.stderr).not.toContain('✖');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/✔ Mattermost upgraded: 10\.11\.23 → 11\.7\.15 \(backup: .*\.tar\)/);
    expect(await ping()).toBe('11.7.15');
    expect(await login()).toBe(200);
    const after = values();
    expect(after.MATTERMOST_IMAGE_TAG).toBe('11.7.15');
    for (const k of [
      'POSTGRES_IMAGE_TAG',
      'POSTGRES_USER',
      'POSTGRES_PASSWORD',
      'POSTGRES_DB',
      'MM_SQLSETTINGS_DATASOURCE',
    ])
      expect([k, after[k]]).toEqual([k, before[k]]);
    const backup = state().history.at(-1).backup as string;
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    const listing = execFileSync('tar', ['-tvf', backup], { encoding: 'utf8' });
    expect(listing).toMatch(/ [1-9]\d* .*postgres\.dump/);
    expect(listing).toContain('files/opt/mattermost/.env');
    // The wizard's state as it was before the step.
    expect(listing).toContain('files/var/lib/wizard/state.json');
    expect(state().release).toBe('11.7.15');
  });

  it('wizard restore puts 10.11.23 and its database back with pg_restore', async () => {
    const backup = state().history.at(-1).backup as string;
    const r = await runWizard(['restore', backup, '--yes'], env);
    expect(r.stderr).not.toContain('✖');
    expect(r.code, r.stderr).toBe(0);
    expect(await ping()).toBe('10.11.23');
    expect(await login()).toBe(200);
    expect(state().release).toBe('10.11.23');
  });
});
