import { existsSync, realpathSync } from 'node:fs';
import type { Period } from '../core/backup.js';
import { scheduleUnits } from '../core/backup-schedule.js';
import { UserError } from '../core/errors.js';
import { archiverOf, pickInstall } from './backup-common.js';
import { DEFAULT_PASSWORD_FILE, repoTarget } from './backup-repo.js';
import type { Deps } from './deps.js';

const UNIT_DIR = '/etc/systemd/system';
const LAUNCHER = '/usr/local/bin/wizard';

/** The wizard as systemd starts it: install.sh's launcher on a real server, else this Node and this CLI. */
function wizardArgv(deps: Deps): string[] {
  if (deps.env.root === '/' && existsSync(LAUNCHER)) return [LAUNCHER];
  return [process.execPath, realpathSync(process.argv[1] ?? '')];
}

/**
 * `wizard backup INSTALL --schedule daily|weekly|off`: a systemd service running `wizard backup INSTALL --yes
 * --keep N` without a terminal, and its timer. On a real root with systemd they are enabled; under WIZARD_ROOT
 * (or without systemd) they are only written. `off` disables and removes them. The state records the schedule,
 * which `wizard doctor` checks against the newest backup.
 */
export async function scheduleCommand(
  opts: {
    install: string;
    schedule: string;
    repo?: string;
    repoPasswordFile?: string;
    repoEnv?: string;
    json?: boolean;
  },
  deps: Deps,
  flags: { keep: number | undefined; to: string | undefined },
): Promise<number> {
  if (!['daily', 'weekly', 'off'].includes(opts.schedule))
    throw new UserError(
      `--schedule ${JSON.stringify(opts.schedule)} is not daily, weekly or off.`,
      'Pass --schedule daily, --schedule weekly or --schedule off.',
    );
  const record = pickInstall(deps, opts.install, 'wizard backup INSTALL --schedule daily|weekly|off');
  const state = deps.state();
  const name = `wizard-backup-${record.name}`;
  const paths = { service: `${UNIT_DIR}/${name}.service`, timer: `${UNIT_DIR}/${name}.timer` };
  const systemd = deps.env.root === '/' && existsSync('/run/systemd/system');
  const out = (line: string) => deps.term.stdout.write(`${line}\n`);

  if (opts.schedule === 'off') {
    if (systemd && record.backupSchedule?.enabled)
      await deps.runner.run({
        file: 'systemctl',
        args: ['disable', '--now', `${name}.timer`],
        reject: false,
      });
    const archiver = archiverOf(deps);
    await archiver.remove(deps.env.hostPath(paths.timer));
    await archiver.remove(deps.env.hostPath(paths.service));
    if (systemd) await deps.runner.run({ file: 'systemctl', args: ['daemon-reload'], reject: false });
    await state.update(record.name, { backupSchedule: undefined });
    out(`✔ ${record.name} is no longer backed up on a schedule (${name}.timer removed).`);
    return 0;
  }

  const period = opts.schedule as Period;
  const keep = flags.keep ?? (period === 'daily' ? 7 : 4);
  const to = flags.to ?? record.backupSchedule?.to ?? `${record.dataDir}/backups`;
  const repo = opts.repo ? await repoTarget(deps, opts) : undefined;
  const args = [
    'backup',
    record.name,
    '--yes',
    '--keep',
    String(keep),
    '--to',
    to,
    ...(repo
      ? [
          '--repo',
          repo.repo,
          ...(repo.passwordFile !== DEFAULT_PASSWORD_FILE ? ['--repo-password-file', repo.passwordFile] : []),
          ...(opts.repoEnv ? ['--repo-env', opts.repoEnv] : []),
        ]
      : []),
  ];
  const units = scheduleUnits({
    install: record.name,
    period,
    wizard: wizardArgv(deps),
    args,
    env: { NO_COLOR: '1', ...(deps.env.root === '/' ? {} : { WIZARD_ROOT: deps.env.root }) },
  });
  for (const [path, content] of [
    [paths.service, units.service],
    [paths.timer, units.timer],
  ] as const)
    await deps.files.write({
      kind: 'file',
      path,
      mode: 0o644,
      owner: { uid: 0, gid: 0 },
      content,
      description: 'backup schedule',
    });
  if (systemd) {
    await deps.runner.run({ file: 'systemctl', args: ['daemon-reload'] });
    await deps.runner.run({ file: 'systemctl', args: ['enable', '--now', `${name}.timer`] });
  }
  await state.update(record.name, {
    backupSchedule: {
      period,
      keep,
      to,
      ...(repo ? { repo: repo.repo } : {}),
      unit: name,
      enabled: systemd,
      at: new Date().toISOString(),
    },
  });
  out(
    `✔ ${record.name} is backed up ${period} to ${deps.env.hostPath(to)}${repo ? ` and ${repo.repo}` : ''}, the newest ${keep} kept.`,
  );
  out(`  ${deps.env.hostPath(paths.service)}\n  ${deps.env.hostPath(paths.timer)}`);
  out(
    systemd
      ? `  Enabled: systemctl list-timers ${name}.timer shows the next run; journalctl -u ${name}.service its output.`
      : deps.env.root === '/'
        ? '  Written, not enabled: this host does not run systemd.'
        : '  Written, not enabled: WIZARD_ROOT is set (the host is left alone).',
  );
  return 0;
}
