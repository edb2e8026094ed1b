import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { CancelledError, UserError } from '../core/errors.js';
import type { Platform } from '../core/platform.js';
import { type RestoreContext, restoreTasks } from '../core/restore-tasks.js';
import { shown } from '../core/upgrade-tasks.js';
import { RunProgress } from '../system/progress.js';
import type { Deps } from './deps.js';
import { recordContext, stampNow, taskList } from './task-list.js';

/** `wizard restore BACKUP`: puts back the env file, compose files and database an upgrade backed up. */
export async function restoreCommand(opts: { backup: string; yes?: boolean }, deps: Deps): Promise<number> {
  const backup = resolve(opts.backup);
  if (!existsSync(backup))
    throw new UserError(
      `There is no backup at ${backup}.`,
      'Backups are in DATA_DIR/backups, e.g. /opt/rocketchat/backups; wizard status shows the data directories.',
    );
  const state = deps.state();
  const record =
    state.installs().find((r) => deps.env.hostPath(`${r.dataDir}/backups`) === dirname(backup)) ??
    state.installs().find((r) => basename(backup).startsWith(`${r.name}-`));
  if (!record)
    throw new UserError(
      `${backup} belongs to no install on this host.`,
      `Installs: ${
        state
          .installs()
          .map((i) => i.name)
          .join(', ') || 'none'
      }.`,
    );
  const platform = deps.platforms.find((p) => p.id === record.platform) as Platform;
  const m = /-([^-]+)-to-[^-]+\.tar\.gz$/.exec(basename(backup));
  const release = m?.[1] ?? record.release;
  const listing = await deps.runner.run({ file: 'tar', args: ['-tzf', backup], reject: false });
  if (listing.exitCode !== 0)
    throw new UserError(
      `${backup} is not a readable backup (tar: ${listing.stderr.trim().split('\n').pop()}).`,
      'Choose another backup file.',
    );

  deps.term.stderr.write(
    `Restore ${record.name} (${platform.title}) from ${backup}:\n` +
      `  • its env and compose files come back (release ${release}); the current ones are kept as .bak\n` +
      (platform.upgrade?.backup
        ? `  • ${platform.upgrade.backup.stop.join(', ')} stops, and the database is REPLACED by the dump (${shown(platform.upgrade.backup.restore)})\n`
        : '') +
      '  • the containers start and the wizard waits until it answers\n',
  );
  if (!opts.yes) {
    if (!deps.term.interactive)
      throw new UserError(
        'Nothing was changed: a restore replaces the database and needs a "yes", and there is no terminal to ask.',
        'Pass --yes to go ahead.',
      );
    const { confirm } = await import('../ui/screens.js');
    if (!(await confirm(deps.term, 'Replace the current data with this backup?')))
      throw new CancelledError('Nothing was changed.');
  }
  const base = recordContext(deps, record, platform);
  const answers = base.answers;
  const ctx: RestoreContext = {
    ...base,
    answers: { ...answers, offline: true },
    envPath: platform.upgrade?.envFile?.(answers) ?? platform.envFile?.(answers) ?? `${record.dataDir}/.env`,
    backupDir: `${record.dataDir}/backups`,
    stamp: stampNow(),
    keep: [],
    backup,
    release,
  };
  // A dropped SSH session does not stop a restore halfway: it goes on to its end without a terminal.
  deps.session?.survivesHangup();
  const progress = new RunProgress(deps.env.stateDir, 'restore', deps.log);
  progress.begin(`restore ${record.name} from ${backup}`);
  try {
    await (await taskList(restoreTasks(), ctx, deps.term, progress)).run();
  } catch (e) {
    progress.end(false, e instanceof Error ? e.message : String(e));
    throw e;
  }
  progress.end(true, `${record.name} restored to ${platform.title} ${release}`);
  const r = state.get(record.name);
  await state.update(record.name, {
    release,
    history: [
      ...(r?.history ?? []),
      { from: record.release, to: release, result: `restored from ${backup}`, at: new Date().toISOString() },
    ],
  });
  deps.term.stdout.write(`✔ ${record.name} restored to ${platform.title} ${release} from ${backup}.\n`);
  return 0;
}
