import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envIn, newServer, removeRoot, tarList, volumeDir } from './helpers/backup.js';
import { type E2eInstall, e2eInstall, ignoredChecks } from './helpers/install.js';
import { runWizard } from './helpers/wizard.js';

/**
 * The chatmail relay's day two on the stand-in: a mailbox message and a DKIM key in its volumes, `wizard backup`
 * (the relay stops while its volumes are copied: the downtime is measured and printed), `uninstall --purge` (its
 * volumes go), then `wizard restore` on a new server: the relay installed again, the message and the key back.
 */
describe('chatmail: back up, uninstall --purge, restore on a new server', () => {
  let install: E2eInstall;
  let fresh = '';
  let file = '';
  let sha = '';
  const message = 'user@relay.wizard.test/new/1700000000.e2e';
  const key = 'opendkim.private';

  beforeAll(async () => {
    install = await e2eInstall({ prefix: 'wizard-e2e-backup-cm-', platform: 'chatmail' });
    fresh = newServer('wizard-e2e-backup-cm-new-');
  });
  afterAll(() => {
    removeRoot(install?.root);
    removeRoot(fresh);
  });

  it('backs up the mail and DKIM volumes with the relay stopped meanwhile (downtime printed)', async () => {
    const mail = volumeDir(install.root, 'chatmail', 'mail');
    mkdirSync(join(mail, message, '..'), { recursive: true });
    writeFileSync(join(mail, message), 'Subject: kept\n\nstill here\n');
    writeFileSync(
      join(volumeDir(install.root, 'chatmail', 'dkim'), key),
      '-----BEGIN PRIVATE KEY-----\nkept\n',
    );
    const r = await runWizard(['backup', '--to', '/backups'], install.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/downtime {2}\d+(\.\d)? s \(chatmail stopped while the data was copied\)/);
    expect(r.stderr).toMatch(/Chatmail relay 1\.12\.0 is healthy|✔ Back/);
    file = /backed up to (\S+\.tar)/.exec(r.stdout)?.[1] ?? '';
    sha = /digest +(sha256-members-v1:[0-9a-f]{64})/.exec(r.stdout)?.[1] ?? '';
    expect(tarList(file)).toEqual(
      expect.arrayContaining([`volumes/mail/${message}`, `volumes/dkim/${key}`, 'files/opt/chatmail/.env']),
    );
  });

  it('uninstall --purge removes the relay and its volumes; restore on a new server brings the mailbox and the key back', async () => {
    const u = await runWizard(['uninstall', '--yes', '--purge', '--no-backup'], install.env);
    expect(u.code, u.stderr).toBe(0);
    expect(existsSync(install.dataDir)).toBe(false);
    const env = {
      WIZARD_ROOT: fresh,
      STANDIN_PORTS: install.env.STANDIN_PORTS ?? '',
      WIZARD_READY_TIMEOUT: '90',
    };
    const r = await runWizard(
      [
        'restore',
        file,
        '--digest',
        sha,
        '--yes',
        '--offline',
        '--repo-url',
        install.repo,
        ...(await ignoredChecks('chatmail')),
      ],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('✔ Put back the volumes mail, dkim');
    expect(readFileSync(join(volumeDir(fresh, 'chatmail', 'mail'), message), 'utf8')).toBe(
      'Subject: kept\n\nstill here\n',
    );
    expect(readFileSync(join(volumeDir(fresh, 'chatmail', 'dkim'), key), 'utf8')).toContain('kept');
    expect(envIn(fresh, 'opt/chatmail/.env').MAIL_DOMAIN).toBe('relay.wizard.test');
  });
});
