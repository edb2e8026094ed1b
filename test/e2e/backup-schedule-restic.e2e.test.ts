import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeIn, stateOf } from './helpers/backup.js';
import { type E2eInstall, e2eInstall, removeE2eInstall } from './helpers/install.js';
import { runWizard } from './helpers/wizard.js';

/**
 * What comes around the backup itself, on one stand-in Mattermost: the schedule's systemd units (checked with
 * systemd-analyze verify) and doctor's two warnings; a backup onto a full filesystem (a 1 MiB tmpfs) failing
 * cleanly; a local restic repository round trip (two backups, retention, restore --from-repo on this host, which
 * stops what it replaces and brings the earlier data back).
 */
describe('schedules, doctor, a full disk and restic on one Mattermost install', () => {
  let install: E2eInstall;
  const units = () => join(install.root, 'etc/systemd/system');
  const user = (name: string) =>
    composeIn(
      install.root,
      'mattermost',
      [
        'exec',
        '-T',
        'mattermost',
        'sh',
        '-c',
        'IFS= read -r p && exec mmctl --local user create --email "$1@example.com" --username "$1" --password "$p"',
        'sh',
        name,
      ],
      'Passw0rd-e2e!\n',
    );
  const exists = (name: string) =>
    spawnSync(
      'docker',
      [
        'compose',
        '--project-name',
        stateOf(install.root).installs.mattermost?.project ?? '',
        'exec',
        '-T',
        'mattermost',
        'mmctl',
        '--local',
        'user',
        'search',
        name,
      ],
      {
        cwd: install.dataDir,
        encoding: 'utf8',
      },
    ).stdout.includes(`username: ${name}`);

  beforeAll(async () => {
    install = await e2eInstall({ prefix: 'wizard-e2e-backup-day2-', platform: 'mattermost' });
  });
  afterAll(() => removeE2eInstall(install));

  it('--schedule daily writes a service and a timer systemd-analyze accepts (not enabled under WIZARD_ROOT); doctor warns', async () => {
    const r = await runWizard(['backup', 'mattermost', '--schedule', 'daily', '--keep', '5'], install.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('✔ mattermost is backed up daily to');
    expect(r.stdout).toContain('Written, not enabled: WIZARD_ROOT is set');
    const service = readFileSync(join(units(), 'wizard-backup-mattermost.service'), 'utf8');
    expect(service).toMatch(
      /^ExecStart=\S+ \S+cli\.js backup mattermost --yes --keep 5 --to \/opt\/mattermost\/backups$/m,
    );
    expect(service).toContain(`Environment=WIZARD_ROOT=${install.root}`);
    const verify = spawnSync(
      'systemd-analyze',
      [
        'verify',
        join(units(), 'wizard-backup-mattermost.service'),
        join(units(), 'wizard-backup-mattermost.timer'),
      ],
      { encoding: 'utf8' },
    );
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stderr).not.toMatch(/wizard-backup-mattermost\.(service|timer):\d+:/);
    expect(stateOf(install.root).installs.mattermost).toMatchObject({});
    const doctor = await runWizard(['doctor', 'mattermost', '--json'], install.env);
    const findings = JSON.parse(doctor.stdout).findings as {
      id: string;
      severity: string;
      evidence: string;
    }[];
    expect(findings).toContainEqual(
      expect.objectContaining({
        id: 'backup-age',
        severity: 'warn',
        evidence: 'backed up daily, but there is no backup yet',
      }),
    );
  });

  it('a backup onto a full filesystem fails with the cause and leaves no partial archive', async () => {
    writeFileSync(
      join(install.dataDir, 'volumes/app/mattermost/data/big.bin'),
      Buffer.alloc(3 * 1024 * 1024, 1),
    );
    const small = join(install.root, 'small');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small]);
    try {
      const r = await runWizard(['backup', 'mattermost', '--to', '/small'], install.env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /No space left on the disk holding \S+small: the backup was not written \(no partial archive is left\)/,
      );
      expect(r.stderr).toContain('write the backup elsewhere with --to DIR');
      expect(readdirSync(small)).toEqual([]);
      expect(stateOf(install.root).backups ?? []).toEqual([]);
      // The app was never stopped: it still answers.
      expect((await fetch(`http://127.0.0.1:${install.port}/api/v4/system/ping`)).status).toBe(200);
    } finally {
      execFileSync('umount', [small]);
    }
  });

  it('a local backup with no copy off the host: doctor says so; the scheduled one now counts as fresh', async () => {
    const r = await runWizard(['backup', 'mattermost'], install.env);
    expect(r.code, r.stderr).toBe(0);
    const doctor = await runWizard(['doctor', 'mattermost', '--json'], install.env);
    const findings = JSON.parse(doctor.stdout).findings as { id: string; severity: string }[];
    expect(findings).toContainEqual(expect.objectContaining({ id: 'backup-offhost', severity: 'warn' }));
    expect(findings).toContainEqual(expect.objectContaining({ id: 'backup-age', severity: 'ok' }));
    const off = await runWizard(['backup', 'mattermost', '--schedule', 'off'], install.env);
    expect(off.code).toBe(0);
    expect(existsSync(join(units(), 'wizard-backup-mattermost.timer'))).toBe(false);
  });

  it('restic: two backups into a local repository, the newest 1 kept; restore --from-repo puts this host back as the newest snapshot holds it', async () => {
    user('before');
    const first = await runWizard(['backup', 'mattermost', '--repo', '/restic', '--yes'], install.env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('A new restic repository password is in');
    expect(first.stderr).toContain('Keep a copy OFF this server');
    expect(first.stdout).toMatch(/restic {4}snapshot [0-9a-f]{8} in \/restic/);
    const password = join(install.root, 'var/lib/wizard/restic-password');
    expect(existsSync(password)).toBe(true);
    expect(execFileSync('stat', ['-c', '%a', password], { encoding: 'utf8' }).trim()).toBe('600');
    user('after');
    const second = await runWizard(['backup', 'mattermost', '--repo', '/restic', '--keep', '1'], install.env);
    expect(second.code, second.stderr).toBe(0);
    const list = await runWizard(
      ['backup', 'list', 'mattermost', '--repo', '/restic', '--json'],
      install.env,
    );
    const snapshots = JSON.parse(list.stdout).snapshots as { short_id: string }[];
    expect(snapshots).toHaveLength(1);
    // The password never reaches a command line: the log has every command the wizard ran.
    const secret = readFileSync(password, 'utf8').trim();
    for (const f of readdirSync(join(install.root, 'var/log/wizard')))
      expect(readFileSync(join(install.root, 'var/log/wizard', f), 'utf8')).not.toContain(secret);
    // The newest snapshot holds the second backup; a user made since is not in it, nor these local changes.
    user('later');
    expect(exists('later')).toBe(true);
    writeFileSync(
      join(install.dataDir, 'compose.wizard.yml'),
      `${readFileSync(join(install.dataDir, 'compose.wizard.yml'), 'utf8')}# a local change\n`,
    );
    writeFileSync(
      join(install.dataDir, '.env'),
      `${readFileSync(join(install.dataDir, '.env'), 'utf8')}E2E_LOCAL=secret-value\n`,
    );
    const r = await runWizard(['restore', '--from-repo', '/restic', '--yes'], install.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Fetching snapshot [0-9a-f]{8} .* from \/restic/);
    expect(r.stderr).toContain('✔ Stopped mattermost');
    // Changed files are shown before they are used: a diff for the compose file, key names only for the env file.
    expect(r.stderr).toMatch(/\+\+\+ \S+compose\.wizard\.yml \(backup\)/);
    expect(r.stderr).toContain('-# a local change');
    expect(r.stderr).toMatch(/\.env: changed E2E_LOCAL \(values not shown\)/);
    expect(r.stderr).not.toContain('secret-value');
    expect(readFileSync(join(install.dataDir, 'compose.wizard.yml'), 'utf8')).not.toContain(
      '# a local change',
    );
    expect(r.stderr).toMatch(/✔ The first admin logs in/);
    expect(r.stdout).toMatch(
      /✔ mattermost restored to Mattermost 11\.7\.15 from \/restic \(mattermost-.*\.tar\)\./,
    );
    expect(exists('before')).toBe(true);
    expect(exists('after')).toBe(true);
    expect(exists('later')).toBe(false);
  });
});
