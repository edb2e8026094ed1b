import { CancelledError, PrerequisiteError, UserError, WizardError } from '../core/errors.js';
import type { Platform } from '../core/platform.js';
import { nextAndNewest, upgradePath } from '../core/upgrade.js';
import { describeJournal } from '../core/upgrade-journal.js';
import { upgradeTasks } from '../engine/upgrade-tasks.js';
import { archiverOf, backupInstallOf, pickInstall, recordBackup } from './backup-common.js';
import type { Deps } from './deps.js';
import { recordContext, taskList } from './task-list.js';
import {
  endStep,
  journalWriter,
  refuseOldLayout,
  type Settled,
  settleInterrupted,
  stepContext,
} from './upgrade-journal.js';

export interface UpgradeOptions {
  install?: string;
  to?: string;
  check?: boolean;
  yes?: boolean;
  dryRun?: boolean;
  backup?: boolean;
  offline?: boolean;
  json?: boolean;
}

export { UPGRADE_AVAILABLE } from './upgrade-check.js';

import { offeredReleases } from './upgrade-check.js';

const pick = (deps: Deps, name?: string) => pickInstall(deps, name, 'wizard upgrade INSTALL [--to VERSION]');

/** `wizard upgrade`: the platform's own path rules, backup, pull before stop, automatic rollback. */
export async function upgradeCommand(
  opts: UpgradeOptions,
  deps: Deps,
  hooks: { lock?: () => unknown } = {},
): Promise<number> {
  // --check reports every install when none is named (one report per install; exit 10 if any can upgrade).
  if (opts.check) {
    const all = deps.state().installs();
    const { checkUpgrades } = await import('./upgrade-check.js');
    return checkUpgrades(deps, opts, opts.install || all.length <= 1 ? [pick(deps, opts.install)] : all);
  }
  let record = pick(deps, opts.install);
  const platform = deps.platforms.find((p) => p.id === record.platform) as Platform;
  const spec = platform.upgrade;
  if (!spec)
    throw new UserError(
      `Upgrades of ${platform.title} are not supported yet.`,
      'Change the release in its env file and run docker compose up -d, after a backup.',
    );
  // The install named is judged before the lock: a wrong name creates nothing.
  await hooks.lock?.();
  const journal = record.upgradeJournal;
  let current = record.release;
  // The feed is read here only (lazily): no other command pays for it.
  const { offered, releaseList, unknown } = await offeredReleases(
    deps,
    platform,
    spec,
    Boolean(opts.offline),
  );
  let { newest } = nextAndNewest(spec.rule, current, offered.releases);

  const base = recordContext(deps, record, platform);
  let settled: Settled | undefined;
  if (journal) {
    if (opts.dryRun) {
      deps.term.stderr.write(
        `Found an interrupted ${describeJournal(journal)}.\nDry run: nothing was changed; a run without --dry-run settles it first.\n`,
      );
      return 0;
    }
    // Settled first: the old release put back or the new one recorded, before any new step starts; a dropped
    // SSH session does not stop it halfway.
    deps.session?.survivesHangup();
    settled = await settleInterrupted(deps, record, base, journal, opts, offered.releases);
    record = deps.state().get(record.name) ?? record;
    current = record.release;
    newest = nextAndNewest(spec.rule, current, offered.releases).newest;
  }
  const target = (opts.to ?? settled?.target ?? newest ?? current).replace(/^v/, '');
  const path = upgradePath(spec.rule, current, target, offered.releases);
  if (!path.ok) {
    const reason = offered.unknownNewer.includes(target)
      ? `${target} is newer than this wizard knows (its requirements are not in its release list); run \`wizard self-update\` first.`
      : path.reason;
    throw new UserError(
      `Can't upgrade ${platform.title} ${current} to ${target}: ${reason}`,
      `Release list: ${releaseList}. ${path.allowed.length ? `Allowed: ${path.allowed.join(', ')}. Release notes: ${spec.releaseNotes}` : `${current} is the newest known release.`}`,
    );
  }
  if (path.steps.length === 0) {
    deps.term.stdout.write(
      settled?.upgraded
        ? `✔ ${platform.title} upgraded: ${settled.upgraded}.\n`
        : `${platform.title} ${current} is up to date.\n`,
    );
    if (unknown) deps.term.stderr.write(`${unknown}\n`);
    return 0;
  }
  await refuseOldLayout(deps, record, platform, base.answers);
  const { printStatic, confirm } = await import('../ui/screens.js');
  const { UpgradePlan } = await import('../ui/UpgradePlan.js');
  const backupDir = `${record.dataDir}/backups`;
  // Preflight: room for the backup and the new images, before anything changes.
  const { upgradeDiskVerdict } = await import('./upgrade-disk.js');
  const disk = await upgradeDiskVerdict(base, { backupDir, noBackup: opts.backup === false });
  printStatic(
    <UpgradePlan
      title={platform.title}
      name={record.name}
      current={current}
      steps={path.steps}
      releaseNotes={spec.releaseNotes}
      releaseList={releaseList}
      unknown={unknown}
      backupDir={opts.backup === false ? undefined : deps.env.hostPath(backupDir)}
      backupNote={spec.backupNote}
      disk={disk.ok ? disk.detail : undefined}
      offline={Boolean(opts.offline)}
      dryRun={Boolean(opts.dryRun)}
    />,
    deps.term.stderr,
  );
  if (!disk.ok) throw new PrerequisiteError(disk.error, disk.remedy);
  if (opts.dryRun) {
    deps.term.stderr.write('Dry run: nothing was changed.\n');
    return 0;
  }
  if (!opts.yes) {
    if (!deps.term.interactive && settled) {
      throw new UserError(
        `${settled.summary} The rest of the path (${path.steps.join(' then ')}) needs a "yes" and there is no terminal to ask.`,
        `Run wizard upgrade ${record.name} --yes to go on.`,
      );
    }
    if (!deps.term.interactive) {
      throw new UserError(
        path.steps.length > 1
          ? `The upgrade walks ${path.steps.join(' then ')}; it needs a "yes" and there is no terminal to ask.`
          : 'Nothing was changed: the upgrade needs a "yes" and there is no terminal to ask.',
        'Pass --yes to go ahead.',
      );
    }
    if (
      opts.backup === false &&
      !(await confirm(deps.term, 'Upgrade WITHOUT a backup? There is no way back if a migration fails.'))
    )
      throw new CancelledError('Nothing was changed.');
    if (!(await confirm(deps.term, `Upgrade ${record.name} to ${target}?`)))
      throw new CancelledError('Nothing was changed.');
  }

  // From here a dropped SSH session no longer stops the upgrade: it goes on to its end without a terminal.
  deps.session?.survivesHangup();
  const { RunProgress } = await import('../system/progress.js');
  const progress = new RunProgress(deps.env.stateDir, 'upgrade', deps.log);
  const done: string[] = settled?.upgraded ? [settled.upgraded] : [];
  let from = current;
  for (const [step, version] of path.steps.entries()) {
    const release = offered.releases.find((r) => r.version === version);
    if (!release) throw new WizardError(`${version} is not in the release list.`);
    const ctx = stepContext(base, record, from, release, opts);
    const reuse = settled?.reuse;
    if (reuse && reuse.from === from && reuse.to === version && opts.backup !== false)
      ctx.backupFile = reuse.backup;
    ctx.onPhase = journalWriter(deps, record.name, {
      path: path.steps,
      step,
      from,
      to: version,
      envPath: ctx.envPath,
    });
    // The backup is the one `wizard backup` takes (src/engine/backup-tasks.ts), recorded with its digest.
    const install = { ...backupInstallOf(record), release: from };
    ctx.backupWith = {
      archiver: archiverOf(deps),
      wizard: deps.version,
      install,
      state: { ...record },
      record: async (r) => void (await recordBackup(deps, r, install, 'upgrade', install.release)),
    };
    await ctx.onPhase('started', ctx.backupFile ? { backup: ctx.backupFile } : {});
    deps.term.stderr.write(`Upgrading ${platform.title} ${from} → ${version}\n`);
    progress.begin(`upgrade ${record.name} (${platform.title} ${from} → ${version})`);
    const list = await taskList(upgradeTasks(), ctx, deps.term, (t) => deps.log.redact(t), progress);
    try {
      await list.run();
    } catch (e) {
      progress.end(false, ctx.rolledBack ?? (e instanceof Error ? e.message : String(e)));
      // The run ends by itself (a failure, or Ctrl-C with its rollback): the journal goes, the history says how.
      await endStep(
        deps,
        record.name,
        ctx.rolledBack ? { from, to: version, result: 'rolled back', backup: ctx.backupFile } : undefined,
      );
      throw e;
    }
    await endStep(
      deps,
      record.name,
      { from, to: version, result: 'upgraded', backup: ctx.backupFile },
      { release: version },
    );
    done.push(`${from} → ${version}${ctx.backupFile ? ` (backup: ${ctx.backupFile})` : ''}`);
    from = version;
  }
  progress.end(true, `${platform.title} upgraded: ${done.join(', ')}`);
  deps.term.stdout.write(`✔ ${platform.title} upgraded: ${done.join(', ')}.\n`);
  return 0;
}
