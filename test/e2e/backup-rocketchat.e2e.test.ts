import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeIn, envIn, newServer, removeRoot, stateOf, tarList } from './helpers/backup.js';
import { type E2eInstall, e2eInstall, installArgs } from './helpers/install.js';
import { runWizard } from './helpers/wizard.js';

/**
 * Rocket.Chat's day two on the stand-ins: install, a message in MongoDB, `wizard backup` (mongodump inside the
 * container, no downtime), `backup verify` (a trial restore into a scratch MongoDB), `uninstall --purge`, then
 * `wizard restore` on a new server (a fresh WIZARD_ROOT): installed at the backup's release with its secrets, the
 * message back, the admin logging in with the backed-up password.
 */
describe('Rocket.Chat: back up, uninstall --purge, restore on a new server', () => {
  let install: E2eInstall;
  let fresh = '';
  let file = '';
  let sha = '';
  let envBefore: Record<string, string> = {};
  const mongo = (root: string, script: string) =>
    composeIn(root, 'rocketchat', [
      'exec',
      '-T',
      'mongodb',
      'mongosh',
      '--quiet',
      'mongodb://localhost:27017/rocketchat?directConnection=true',
      '--eval',
      script,
    ]).trim();
  const login = async (env: Record<string, string>) => {
    const res = await fetch(`http://127.0.0.1:${install.port}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: env.ADMIN_USERNAME, password: env.ADMIN_PASS }),
    });
    return ((await res.json()) as { status?: string }).status;
  };

  beforeAll(async () => {
    install = await e2eInstall({ prefix: 'wizard-e2e-backup-rc-', platform: 'rocketchat' });
    fresh = newServer('wizard-e2e-backup-rc-new-');
  });
  afterAll(() => {
    removeRoot(install?.root);
    removeRoot(fresh);
  });

  it('backs up: one archive with the dump, the env and compose files and a manifest, its digest recorded; no downtime', async () => {
    mongo(
      install.root,
      `db.rocketchat_message.insertOne({ _id: 'e2e-kept', msg: 'still here after the move' })`,
    );
    envBefore = envIn(install.root, 'opt/rocketchat/.env');
    const r = await runWizard(['backup', '--to', '/backups', '--keep', '3'], install.env);
    expect(r.stderr).not.toContain('✖');
    expect(r.code, r.stderr).toBe(0);
    file = /backed up to (\S+\.tar)/.exec(r.stdout)?.[1] ?? '';
    sha = /digest +(sha256-members-v1:[0-9a-f]{64})/.exec(r.stdout)?.[1] ?? '';
    expect(file.startsWith(join(install.root, 'backups/rocketchat-'))).toBe(true);
    expect(r.stdout).toContain('downtime  none');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const members = tarList(file);
    expect(members[0]).toBe('wizard-backup.json');
    expect(members.at(-1)).toBe('manifest.json');
    expect(members).toEqual(
      expect.arrayContaining([
        'dump/mongodb.archive',
        'files/opt/rocketchat/.env',
        'files/opt/rocketchat/compose.wizard.yml',
      ]),
    );
    expect(stateOf(install.root).backups).toEqual([
      expect.objectContaining({ file, digest: sha, install: 'rocketchat', kind: 'backup' }),
    ]);
    const list = await runWizard(['backup', 'list'], install.env);
    expect(list.stdout).toContain(sha.split(':')[1]?.slice(0, 12));
  });

  it('verify: every hash as recorded, and the dump restores into a scratch MongoDB', async () => {
    const r = await runWizard(['backup', 'verify', file], install.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/✔ digest +sha256-members-v1:[0-9a-f]{64} as recorded/);
    expect(r.stdout).toMatch(
      /✔ trial-restore +the dump restores into a scratch (docker\.io\/)?mongodb\/mongodb-community-server:8\.2-ubi8: [1-9]\d* databases?/,
    );
  });

  it('install again over the data an uninstall kept (its folder deleted by hand): the check names the volume; the earlier admin stays', async () => {
    const out = await runWizard(['uninstall', '--yes', '--no-backup'], install.env);
    expect(out.code, out.stderr).toBe(0);
    // The admin deletes the data folder by hand; Docker's named volume (MongoDB's data) is still there.
    rmSync(install.dataDir, { recursive: true, force: true });
    const r = await runWizard(
      installArgs({ platform: 'rocketchat', repo: install.repo, port: install.port }),
      install.env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /⚠ Earlier data +Docker volume \S+_mongodb_data of an earlier install named rocketchat/,
    );
    expect(r.stderr).toContain("✔ First admin is the earlier install's (its data was kept)");
    expect(r.stdout).toContain('The database kept the accounts of an earlier install named rocketchat');
    // The earlier admin logs in with the earlier password; the data is the earlier data.
    expect(await login(envBefore)).toBe('success');
    expect(mongo(install.root, `db.rocketchat_message.findOne({ _id: 'e2e-kept' }).msg`)).toBe(
      'still here after the move',
    );
  });

  it('uninstall --purge: containers, network, data folder and state record gone; the backup elsewhere kept; twice is harmless', async () => {
    const r = await runWizard(['uninstall', '--yes', '--purge', '--no-backup'], install.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('✔ rocketchat (Rocket.Chat) uninstalled and purged.');
    expect(existsSync(install.dataDir)).toBe(false);
    expect(existsSync(file)).toBe(true);
    expect(stateOf(install.root).installs.rocketchat).toBeUndefined();
    const again = await runWizard(['uninstall', 'rocketchat', '--yes', '--purge'], install.env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /rocketchat was uninstalled on .* \(purged\); there is nothing left to do\./,
    );
  });

  it('restore on a new server: refused without a known digest; with it, installed at the release, data, secrets and admin back', async () => {
    const env = { WIZARD_ROOT: fresh };
    const unknown = await runWizard(['restore', file, '--yes', '--offline'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("is not a backup this host's wizard recorded");
    const r = await runWizard(
      ['restore', file, '--digest', sha, '--yes', '--offline', '--repo-url', install.repo],
      env,
    );
    expect(r.stderr).not.toContain('✖');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('no install named rocketchat here: Rocket.Chat 8.0.1 is installed first');
    expect(r.stderr).toMatch(/✔ The first admin logs in \("admin" logs in\)/);
    expect(r.stdout).toContain(`✔ rocketchat restored to Rocket.Chat 8.0.1 from ${file}.`);
    expect(mongo(fresh, `db.rocketchat_message.findOne({ _id: 'e2e-kept' }).msg`)).toBe(
      'still here after the move',
    );
    const envAfter = envIn(fresh, 'opt/rocketchat/.env');
    expect(envAfter.ADMIN_PASS).toBe(envBefore.ADMIN_PASS);
    expect(await login(envAfter)).toBe('success');
    expect(stateOf(fresh).installs.rocketchat).toMatchObject({ status: 'installed', release: '8.0.1' });
  });
});
