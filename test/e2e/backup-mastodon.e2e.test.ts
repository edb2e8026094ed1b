import { chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeIn, envIn, newServer, removeRoot, stateOf, tarList } from './helpers/backup.js';
import { type E2eInstall, e2eInstall } from './helpers/install.js';
import { runWizard } from './helpers/wizard.js';

/**
 * Mastodon's day two on the stand-ins: an account in PostgreSQL and a media file in public/system, `wizard
 * backup`, `uninstall --purge`, then `wizard restore` on a new server: the account, the media (and its owner,
 * uid 991), the app's secrets and the owner's login (OAuth password grant) are back.
 */
describe('Mastodon: back up, uninstall --purge, restore on a new server', () => {
  let install: E2eInstall;
  let fresh = '';
  let file = '';
  let sha = '';
  let prodBefore: Record<string, string> = {};
  let ownerBefore: Record<string, string> = {};
  const media = 'opt/mastodon/public/system/media_attachments/files/e2e/original.png';
  const sql = (root: string, q: string) =>
    composeIn(root, 'mastodon', [
      'exec',
      '-T',
      'db',
      'psql',
      '-X',
      '-U',
      'mastodon',
      '-d',
      'mastodon_production',
      '-tAc',
      q,
    ]).trim();

  beforeAll(async () => {
    install = await e2eInstall({
      prefix: 'wizard-e2e-backup-md-',
      platform: 'mastodon',
      env: { WIZARD_READY_TIMEOUT: '120' },
    });
    fresh = newServer('wizard-e2e-backup-md-new-');
  });
  afterAll(() => {
    removeRoot(install?.root);
    removeRoot(fresh);
  });

  it('backs up the database, the media, Redis and the settings with their secrets', async () => {
    composeIn(install.root, 'mastodon', [
      'run',
      '--rm',
      '-T',
      'web',
      'bin/tootctl',
      'accounts',
      'create',
      'e2euser',
      '--email',
      'e2e@example.com',
      '--confirmed',
    ]);
    mkdirSync(join(install.root, media, '..'), { recursive: true });
    writeFileSync(join(install.root, media), 'PNG bytes\n');
    chownSync(join(install.root, media), 991, 991);
    prodBefore = envIn(install.root, 'opt/mastodon/.env.production');
    ownerBefore = envIn(install.root, 'opt/mastodon/owner.env');
    const r = await runWizard(['backup', '--to', '/backups'], install.env);
    expect(r.code, r.stderr).toBe(0);
    file = /backed up to (\S+\.tar)/.exec(r.stdout)?.[1] ?? '';
    sha = /digest +(sha256-members-v1:[0-9a-f]{64})/.exec(r.stdout)?.[1] ?? '';
    expect(tarList(file)).toEqual(
      expect.arrayContaining([
        'dump/postgres.dump',
        'files/opt/mastodon/.env.production',
        'files/opt/mastodon/.env.db',
        'files/opt/mastodon/owner.env',
        `folders/public/system/media_attachments/files/e2e/original.png`,
      ]),
    );
  });

  it('uninstall --yes --purge backs up first (outside the data folder it deletes), then a new server restores that backup', async () => {
    const u = await runWizard(['uninstall', '--yes', '--purge'], install.env);
    expect(u.code, u.stderr).toBe(0);
    expect(existsSync(install.dataDir)).toBe(false);
    file = /backup {3}(\S+\.tar) /.exec(u.stdout)?.[1] ?? '';
    expect(file.startsWith(join(install.root, 'var/backups/wizard/mastodon-'))).toBe(true);
    sha = stateOf(install.root).backups?.find((b) => b.file === file)?.digest ?? '';
    expect(sha).toMatch(/^sha256-members-v1:[0-9a-f]{64}$/);
    const r = await runWizard(['restore', file, '--digest', sha, '--yes', '--offline'], {
      WIZARD_ROOT: fresh,
      WIZARD_READY_TIMEOUT: '120',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/✔ The first admin logs in \("owner" logs in\)/);
    expect(sql(fresh, "SELECT count(*) FROM accounts WHERE username = 'e2euser'")).toBe('1');
    expect(readFileSync(join(fresh, media), 'utf8')).toBe('PNG bytes\n');
    expect(statSync(join(fresh, media)).uid).toBe(991);
    const prodAfter = envIn(fresh, 'opt/mastodon/.env.production');
    for (const k of [
      'SECRET_KEY_BASE',
      'OTP_SECRET',
      'DB_PASS',
      'ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY',
      'VAPID_PRIVATE_KEY',
    ])
      expect([k, prodAfter[k]]).toEqual([k, prodBefore[k]]);
    expect(envIn(fresh, 'opt/mastodon/owner.env')).toEqual(ownerBefore);
    expect(stateOf(fresh).installs.mastodon?.release).toBe('4.5.11');
  });
});
