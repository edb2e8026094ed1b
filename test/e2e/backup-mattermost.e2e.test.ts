import { chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeIn, envIn, newServer, removeRoot, stateOf, tarList } from './helpers/backup.js';
import { type E2eInstall, e2eInstall } from './helpers/install.js';
import { runWizard } from './helpers/wizard.js';

/**
 * Mattermost's day two on the stand-ins: a user in PostgreSQL and an uploaded file in the data folder, `wizard
 * backup` (pg_dump inside the container, the folders uid 2000 writes, no downtime), `uninstall --purge`, then
 * `wizard restore` on a new server: the user, the file (its owner too), config.json, the database password and
 * the admin login are back. The restore is given --trust here (the Rocket.Chat test gives --digest).
 */
describe('Mattermost: back up, uninstall --purge, restore on a new server', () => {
  let install: E2eInstall;
  let fresh = '';
  let file = '';
  let envBefore: Record<string, string> = {};
  let config = '';
  const upload = 'opt/mattermost/volumes/app/mattermost/data/e2e/upload.txt';
  const mmctl = (root: string, args: string[], input?: string) =>
    composeIn(root, 'mattermost', ['exec', '-T', 'mattermost', ...args], input);
  const login = async (env: Record<string, string>) =>
    (
      await fetch(`http://127.0.0.1:${install.port}/api/v4/users/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-requested-with': 'XMLHttpRequest' },
        body: JSON.stringify({ login_id: env.ADMIN_USERNAME, password: env.ADMIN_PASSWORD }),
      })
    ).status;

  beforeAll(async () => {
    install = await e2eInstall({ prefix: 'wizard-e2e-backup-mm-', platform: 'mattermost' });
    fresh = newServer('wizard-e2e-backup-mm-new-');
  });
  afterAll(() => {
    removeRoot(install?.root);
    removeRoot(fresh);
  });

  it('backs up the database, the data folders with their owners, and the env file; no downtime', async () => {
    mmctl(
      install.root,
      [
        'sh',
        '-c',
        'IFS= read -r p && exec mmctl --local user create --email e2e@example.com --username e2euser --password "$p"',
      ],
      'Kept-Passw0rd!\n',
    );
    mkdirSync(join(install.root, upload, '..'), { recursive: true });
    writeFileSync(join(install.root, upload), 'an uploaded file\n');
    chownSync(join(install.root, upload), 2000, 2000);
    config = readFileSync(
      join(install.root, 'opt/mattermost/volumes/app/mattermost/config/config.json'),
      'utf8',
    );
    envBefore = envIn(install.root, 'opt/mattermost/.env');
    const r = await runWizard(['backup', 'mattermost', '--to', '/backups', '--json'], install.env);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ install: 'mattermost', kind: 'backup', downtimeSeconds: 0, stopped: [] });
    file = out.file;
    expect(tarList(file)).toEqual(
      expect.arrayContaining([
        'dump/postgres.dump',
        'files/opt/mattermost/.env',
        'folders/volumes/app/mattermost/data/e2e/upload.txt',
        'folders/volumes/app/mattermost/config/config.json',
      ]),
    );
  });

  it('uninstall --purge removes it; restore on a new server brings the user, the file, the secrets and the admin back', async () => {
    const u = await runWizard(['uninstall', 'mattermost', '--yes', '--purge', '--no-backup'], install.env);
    expect(u.code, u.stderr).toBe(0);
    expect(existsSync(install.dataDir)).toBe(false);
    const r = await runWizard(
      ['restore', file, '--yes', '--trust', '--offline', '--repo-url', install.repo],
      { WIZARD_ROOT: fresh },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('⚠ --trust:');
    expect(r.stderr).toMatch(/✔ Restored the database/);
    expect(r.stderr).toMatch(/✔ Put back volumes\/app\/mattermost\/config, volumes\/app\/mattermost\/data/);
    expect(r.stderr).toMatch(/✔ The first admin logs in/);
    expect(mmctl(fresh, ['mmctl', '--local', 'user', 'search', 'e2euser'])).toContain('username: e2euser');
    expect(readFileSync(join(fresh, upload), 'utf8')).toBe('an uploaded file\n');
    expect(statSync(join(fresh, upload)).uid).toBe(2000);
    expect(
      readFileSync(join(fresh, 'opt/mattermost/volumes/app/mattermost/config/config.json'), 'utf8'),
    ).toBe(config);
    const envAfter = envIn(fresh, 'opt/mattermost/.env');
    for (const k of ['POSTGRES_PASSWORD', 'MM_SQLSETTINGS_DATASOURCE', 'ADMIN_PASSWORD'])
      expect([k, envAfter[k]]).toEqual([k, envBefore[k]]);
    expect(await login(envAfter)).toBe(200);
    expect(stateOf(fresh).installs.mattermost?.status).toBe('installed');
  });
});
