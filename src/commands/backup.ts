import { type BackupRecord, human, toPrune } from '../core/backup.js';
import { UserError, WizardError } from '../core/errors.js';
import { type BackupResult, takeBackup } from '../engine/backup-tasks.js';
import {
  archiverOf,
  backupInstallOf,
  countFlag,
  folderFlag,
  pickInstall,
  platformOf,
  recordBackup,
} from './backup-common.js';
import { repoTarget, resticReady } from './backup-repo.js';
import type { Deps } from './deps.js';
import { recordContext, stampNow, taskList } from './task-list.js';

export interface BackupOptions {
  install?: string;
  to?: string;
  keep?: string;
  schedule?: string;
  repo?: string;
  repoPasswordFile?: string;
  repoEnv?: string;
  yes?: boolean;
  json?: boolean;
}

const USAGE = 'wizard backup INSTALL [--to DIR] [--keep N] [--repo REPO]';

/**
 * `wizard backup [INSTALL]`: one consistent archive of everything the install needs to come back (database dump,
 * data folders and volumes, env and compose files, its state), its digest recorded in the state; then, with
 * --repo, a copy in a restic repository; with --keep N, older ones pruned. Exit 0, 1 failed, 2 bad input.
 */
/** `lock` takes the host's lock: called once the input is known good (bad input creates nothing). */
export async function backupCommand(
  opts: BackupOptions,
  deps: Deps,
  lock: () => unknown = () => {},
): Promise<number> {
  const keep = countFlag('--keep', opts.keep);
  const to = folderFlag('--to', opts.to);
  const record = pickInstall(deps, opts.install, USAGE);
  const platform = platformOf(deps, record);
  await lock();
  if (opts.schedule !== undefined) {
    const { scheduleCommand } = await import('./backup-schedule.js');
    return scheduleCommand({ ...opts, schedule: opts.schedule, install: record.name }, deps, { keep, to });
  }
  const target = opts.repo ? await repoTarget(deps, opts) : undefined;
  if (target) await resticReady(deps, target, Boolean(opts.yes));
  const base = recordContext(deps, record, platform);
  const install = backupInstallOf(record);
  const dir = to ?? `${record.dataDir}/backups`;
  const archiver = archiverOf(deps);
  let result: BackupResult | undefined;
  let saved: BackupRecord | undefined;
  let snapshot: string | undefined;
  const pruned: string[] = [];
  const ctx = { done: false };
  deps.term.stderr.write(`Backing up ${record.name} (${platform.title} ${record.release})\n`);
  const list = await taskList(
    [
      {
        title: `Back up ${record.name}`,
        task: async (_c, task) => {
          result = await takeBackup(
            {
              ...base,
              archiver,
              wizard: deps.version,
              install,
              state: { ...record },
              kind: 'backup',
              dir,
              stamp: stampNow(),
              keep: [],
            },
            {
              ...(task.signal ? { signal: task.signal } : {}),
              output: (l) => {
                task.output = l;
              },
            },
          );
          saved = await recordBackup(deps, result, install, 'backup', record.release);
          task.title = `Backed up to ${result.file} (${human(result.size)})`;
        },
      },
      {
        title: 'Store it in the restic repository',
        enabled: () => Boolean(target),
        task: async (_c, task) => {
          if (!target || !result || !saved) return;
          snapshot = await target.restic.store(result.file, record.name, task.signal);
          saved = { ...saved, snapshot: { repo: target.repo, id: snapshot } };
          await deps.state().addBackup(saved);
          await deps.state().update(record.name, { backupRepo: target.repo });
          task.title = `Stored in ${target.repo} as snapshot ${snapshot.slice(0, 8)}`;
        },
      },
      {
        title: `Keep the newest ${keep}`,
        enabled: () => keep !== undefined,
        task: async (_c, task) => {
          if (keep === undefined) return;
          const gone = toPrune(deps.state().backups(), record.name, keep, deps.env.hostPath(dir));
          for (const b of gone) await archiver.remove(b.file);
          await deps.state().dropBackups(gone.map((b) => b.file));
          pruned.push(...gone.map((b) => b.file));
          if (target) await target.restic.forget(record.name, keep, task.signal);
          task.title = `Kept the newest ${keep}: removed ${gone.length} older${target ? ', and pruned the repository' : ''}`;
        },
      },
    ],
    ctx,
    deps.term,
    (t) => deps.log.redact(t),
  );
  await list.run();
  if (!result) throw new UserError('No backup was written.');
  if (result.notBack)
    throw new WizardError(
      `${record.name} was backed up to ${result.file} (recorded), but ${result.stopped.join(', ')} did not answer again after the copy: ${result.notBack}`,
      `wizard doctor ${record.name} says why; docker compose start ${result.stopped.join(' ')} in ${deps.env.hostPath(record.dataDir)} starts it again.`,
    );
  const downtime = result.stopped.length
    ? `${result.downtimeSeconds} s (${result.stopped.join(', ')} stopped while the data was copied)`
    : 'none';
  if (opts.json) {
    deps.term.stdout.write(
      `${JSON.stringify({ ...saved, downtimeSeconds: result.downtimeSeconds, stopped: result.stopped, skipped: result.skipped, pruned, snapshot: snapshot ?? null }, null, 2)}\n`,
    );
    return 0;
  }
  deps.term.stdout.write(
    [
      `✔ ${record.name} (${platform.title} ${record.release}) backed up to ${result.file}`,
      `  size      ${human(result.size)}, ${result.members.filter((m) => m.type === 'file').length} files`,
      `  digest    ${result.digest}`,
      `  downtime  ${downtime}`,
      ...(snapshot ? [`  restic    snapshot ${snapshot.slice(0, 8)} in ${target?.repo}`] : []),
      ...(result.skipped.length
        ? [`  left out  ${result.skipped.map((s) => `${s.path} (${s.why})`).join(', ')}`]
        : []),
      ...(pruned.length ? [`  removed   ${pruned.join(', ')}`] : []),
      `Restore it (here or on a new server): wizard restore ${result.file} --digest ${result.digest}`,
      '',
    ].join('\n'),
  );
  return 0;
}
