import { describe, expect, it } from 'vitest';
import {
  BACKUP_FORMAT,
  type BackupHeader,
  type BackupRecord,
  backupFileName,
  headerProblem,
  memberNameProblem,
  toPrune,
} from '../../src/core/backup.js';
import { backupFindings, scheduleUnits, staleBackup } from '../../src/core/backup-schedule.js';
import { platforms } from '../../steps/index.js';

const header = (
  over: Partial<BackupHeader> = {},
  install: Partial<BackupHeader['install']> = {},
): BackupHeader => ({
  format: BACKUP_FORMAT,
  kind: 'backup',
  wizard: '0.1.0',
  createdAt: '2026-11-22T03:00:00.000Z',
  install: {
    name: 'chat',
    platform: 'mattermost',
    domain: 'chat.example.com',
    email: 'a@example.com',
    dataDir: '/opt/mattermost',
    release: '11.7.15',
    tls: 'letsencrypt',
    port: 8065,
    repoUrl: 'https://github.com/mattermost/docker.git',
    project: 'chat',
    composeFiles: ['docker-compose.yml'],
    extra: {},
    ...install,
  },
  contents: { files: [], folders: [], volumes: [] },
  ...over,
});

describe('backup names, layout and checks', () => {
  it('member names: only relative names inside the layout', () => {
    expect(memberNameProblem('files/opt/x/.env')).toBeUndefined();
    expect(memberNameProblem('folders/volumes/app/mattermost/data/a b.png')).toBeUndefined();
    expect(memberNameProblem('wizard-backup.json')).toBeUndefined();
    expect(memberNameProblem('/etc/passwd')).toBe('an absolute path');
    expect(memberNameProblem('folders/../../etc/passwd')).toBe('a ".." path');
    expect(memberNameProblem('folders//x')).toBe('an empty or "." path segment');
    expect(memberNameProblem('folders/./x')).toBe('an empty or "." path segment');
    expect(memberNameProblem('folders/x\ny')).toBe('a control character in its name');
    expect(memberNameProblem('etc/shadow')).toBe('a name outside the backup layout');
    expect(memberNameProblem('folders\\..\\x')).toBe('a backslash in its name');
  });

  it('file names: the release, or the upgrade step it was taken before', () => {
    expect(backupFileName('chat', '20261122-030000', '11.7.15')).toBe('chat-20261122-030000-11.7.15.tar');
    expect(backupFileName('chat', '20261122-030000', '10.11.23', '11.7.15')).toBe(
      'chat-20261122-030000-10.11.23-to-11.7.15.tar',
    );
  });

  it('a restore refuses another platform, a newer wizard or an unknown format, with the reason and a remedy', () => {
    const opts = { platforms, wizard: '0.1.0' };
    expect(headerProblem(header(), opts)).toBeUndefined();
    expect(headerProblem(header(), { ...opts, into: { name: 'chat', platform: 'rocketchat' } })).toEqual({
      error: 'This backup is of Mattermost (chat); the install chat is Rocket.Chat.',
      remedy:
        'Restore it on a server without an install named chat (it is installed there first), or uninstall chat first.',
    });
    expect(headerProblem(header({ wizard: '0.2.0' }), opts)?.error).toBe(
      'This backup was written by wizard 0.2.0, newer than this one (0.1.0).',
    );
    expect(headerProblem(header({ format: 2 }), opts)?.error).toBe(
      'This backup has format 2; this wizard reads format 1.',
    );
    expect(headerProblem(header({}, { platform: 'matrix' }), opts)?.error).toMatch(
      /does not know \(matrix\)/,
    );
  });

  it('--keep N removes the oldest `wizard backup` archives of that install in that folder, never upgrade ones', () => {
    const rec = (file: string, createdAt: string, over: Partial<BackupRecord> = {}): BackupRecord => ({
      file,
      sha256: 'x',
      size: 1,
      install: 'chat',
      platform: 'mattermost',
      release: '11.7.15',
      kind: 'backup',
      createdAt,
      ...over,
    });
    const records = [
      rec('/b/1.tar', '2026-11-01T00:00:00Z'),
      rec('/b/2.tar', '2026-11-02T00:00:00Z'),
      rec('/b/3.tar', '2026-11-03T00:00:00Z'),
      rec('/b/u.tar', '2026-10-01T00:00:00Z', { kind: 'upgrade' }),
      rec('/b/other.tar', '2026-10-01T00:00:00Z', { install: 'other' }),
      rec('/elsewhere/0.tar', '2026-10-01T00:00:00Z'),
    ];
    expect(toPrune(records, 'chat', 2, '/b').map((r) => r.file)).toEqual(['/b/1.tar']);
    expect(toPrune(records, 'chat', 1, '/b/').map((r) => r.file)).toEqual(['/b/2.tar', '/b/1.tar']);
  });
});

describe('schedules', () => {
  it('a oneshot service running the wizard without a terminal, and a persistent timer', () => {
    const u = scheduleUnits({
      install: 'chat',
      period: 'daily',
      wizard: ['/usr/bin/node', '/opt/wizard/current/dist/cli.js'],
      args: ['backup', 'chat', '--yes', '--keep', '7', '--to', '/srv/my backups'],
      env: { NO_COLOR: '1' },
    });
    expect(u.name).toBe('wizard-backup-chat');
    expect(u.service).toContain('Type=oneshot');
    expect(u.service).toContain(
      'ExecStart=/usr/bin/node /opt/wizard/current/dist/cli.js backup chat --yes --keep 7 --to "/srv/my backups"',
    );
    expect(u.service).toContain('Environment=NO_COLOR=1');
    expect(u.timer).toContain('OnCalendar=daily');
    expect(u.timer).toContain('Persistent=true');
    expect(u.timer).toContain('WantedBy=timers.target');
  });

  it('doctor: stale after twice the period, or with no backup; backups on the data disk with no copy off it', () => {
    const now = new Date('2026-11-22T12:00:00Z');
    expect(staleBackup({ period: 'daily' }, '2026-11-21T12:00:00Z', now)).toEqual({
      stale: false,
      ageHours: 24,
    });
    expect(staleBackup({ period: 'daily' }, '2026-11-20T11:00:00Z', now)).toEqual({
      stale: true,
      ageHours: 49,
    });
    expect(staleBackup({ period: 'weekly' }, '2026-11-10T12:00:00Z', now).stale).toBe(false);
    expect(staleBackup({ period: 'weekly' }, undefined, now).stale).toBe(true);
    const schedule = { period: 'daily' as const, unit: 'wizard-backup-chat', enabled: true };
    const facts = { install: 'chat', count: 3, dir: '/opt/mattermost/backups', sameDisk: true };
    expect(
      backupFindings({ ...facts, schedule, newest: '2026-11-19T12:00:00Z' }, now).map((f) => [
        f.id,
        f.severity,
      ]),
    ).toEqual([
      ['backup-age', 'warn'],
      ['backup-offhost', 'warn'],
    ]);
    expect(
      backupFindings({ ...facts, schedule, newest: '2026-11-22T03:00:00Z', repo: 'sftp:nas:/r' }, now),
    ).toEqual([expect.objectContaining({ id: 'backup-age', severity: 'ok' })]);
    expect(backupFindings({ ...facts, sameDisk: false }, now)).toEqual([]);
    expect(backupFindings({ ...facts, count: 0 }, now)).toEqual([]);
    expect(
      backupFindings({ ...facts, schedule: { ...schedule, enabled: false }, count: 0 }, now)[0]?.remedy,
    ).toContain('systemctl enable --now wizard-backup-chat.timer');
  });
});
