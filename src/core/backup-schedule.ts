import { type BackupSchedule, PERIOD_SECONDS, type Period } from './backup.js';

/** Backups on a schedule: the systemd units, and what doctor judges of a schedule and where backups go. */

/** The systemd units of a schedule: a oneshot service running the wizard without a terminal, and its timer. */
export function scheduleUnits(opts: {
  install: string;
  period: Period;
  /** argv of the wizard (node and the CLI, or the launcher), absolute paths. */
  wizard: string[];
  args: string[];
  env: Record<string, string>;
}): { name: string; service: string; timer: string } {
  const name = `wizard-backup-${opts.install}`;
  const quote = (a: string) => (/^[A-Za-z0-9_./:=@,+-]+$/.test(a) ? a : `"${a.replace(/(["\\])/g, '\\$1')}"`);
  const service = [
    '# Written by wizard (wizard backup --schedule): remove with wizard backup --schedule off',
    '[Unit]',
    `Description=wizard: back up the install ${opts.install}`,
    'Wants=docker.service',
    'After=docker.service network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    ...Object.entries(opts.env).map(([k, v]) => `Environment=${quote(`${k}=${v}`)}`),
    `ExecStart=${[...opts.wizard, ...opts.args].map(quote).join(' ')}`,
    'Nice=10',
    'IOSchedulingClass=best-effort',
    'IOSchedulingPriority=7',
    '',
  ].join('\n');
  const timer = [
    '# Written by wizard (wizard backup --schedule)',
    '[Unit]',
    `Description=wizard: back up the install ${opts.install} ${opts.period}`,
    '',
    '[Timer]',
    `OnCalendar=${opts.period}`,
    'RandomizedDelaySec=30min',
    'Persistent=true',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  return { name, service, timer };
}

/** Doctor: the newest backup of a scheduled install older than twice its period. */
export function staleBackup(
  schedule: Pick<BackupSchedule, 'period'>,
  newest: string | undefined,
  now: Date,
): { stale: boolean; ageHours?: number } {
  if (!newest) return { stale: true };
  const age = (now.getTime() - Date.parse(newest)) / 1000;
  return { stale: age > 2 * PERIOD_SECONDS[schedule.period], ageHours: Math.round(age / 3600) };
}

/** What doctor knows of one install's backups. */
export interface BackupFacts {
  install: string;
  schedule?: Pick<BackupSchedule, 'period' | 'unit' | 'enabled'>;
  newest?: string;
  count: number;
  /** The folder the backups go to, and whether it is on the data's filesystem. */
  dir: string;
  sameDisk: boolean;
  /** A restic repository (off the host) is recorded for it. */
  repo?: string;
}

/**
 * Doctor's two backup warnings: a scheduled install whose newest backup is older than twice its period (or
 * missing), and backups on the data's own filesystem with no copy off the host. Installs that never took a
 * backup and have no schedule get neither (doctor says nothing about what was never asked for).
 */
export function backupFindings(
  f: BackupFacts,
  now: Date,
): {
  id: string;
  severity: 'ok' | 'warn';
  title: string;
  evidence: string;
  remedy?: string;
  install: string;
}[] {
  const out: ReturnType<typeof backupFindings> = [];
  const title = 'Backups';
  if (f.schedule) {
    const s = staleBackup(f.schedule, f.newest, now);
    if (s.stale)
      out.push({
        id: 'backup-age',
        severity: 'warn',
        title,
        install: f.install,
        evidence: f.newest
          ? `backed up ${f.schedule.period}, but the newest backup is ${s.ageHours} h old (${f.newest})`
          : `backed up ${f.schedule.period}, but there is no backup yet`,
        remedy: `Run wizard backup ${f.install}, then look at the timer: ${f.schedule.enabled ? `systemctl status ${f.schedule.unit}.timer; journalctl -u ${f.schedule.unit}.service` : `it is written but not enabled (systemctl enable --now ${f.schedule.unit}.timer)`}`,
      });
    else
      out.push({
        id: 'backup-age',
        severity: 'ok',
        title,
        install: f.install,
        evidence: `backed up ${f.schedule.period}; the newest is ${s.ageHours} h old`,
      });
  }
  if ((f.count > 0 || f.schedule) && f.sameDisk && !f.repo)
    out.push({
      id: 'backup-offhost',
      severity: 'warn',
      title: 'Backups off the host',
      install: f.install,
      evidence: `the backups in ${f.dir} are on the same filesystem as the data, and no copy leaves this host: a dead disk takes both`,
      remedy: `Send them off the host: wizard backup ${f.install} --repo sftp:user@host:/path (or s3:https://host/bucket), or --to a folder on another disk.`,
    });
  return out;
}
