// over 300 lines: one task list whose steps share the record, the archiver and the proxy's fate; each step is short.

import { existsSync } from 'node:fs';
import { proxy } from '../../steps/index.js';
import { composeCommand } from '../core/compose.js';
import { CancelledError, UserError, WizardError } from '../core/errors.js';
import { wrapText } from '../core/text.js';
import { takeBackup } from '../engine/backup-tasks.js';
import { closePorts } from '../system/firewall-close.js';
import type { InstallRecord } from '../system/state.js';
import { archiverOf, backupInstallOf, folderFlag, platformOf, recordBackup } from './backup-common.js';
import type { Deps } from './deps.js';
import { selectInstall } from './record.js';
import { recordContext, stampNow, taskList } from './task-list.js';

export interface UninstallOptions {
  install?: string;
  purge?: boolean;
  yes?: boolean;
  /** --backup / --no-backup; undefined: asked (taken with --yes). */
  backup?: boolean;
  to?: string;
}

/** The backup before an uninstall; when it fails, nothing is removed and the way on without one is named. */
async function takeBackupOrSay(...args: Parameters<typeof takeBackup>) {
  try {
    return await takeBackup(...args);
  } catch (e) {
    if (e instanceof CancelledError) throw e;
    throw new WizardError(
      `The backup before the uninstall failed: ${e instanceof Error ? e.message : String(e)}`,
      'Nothing was removed. Fix the cause (wizard doctor), or pass --no-backup to uninstall without a backup.',
    );
  }
}

/** Where the backup before a --purge goes by default: outside the data dir that the purge deletes. */
const PURGE_BACKUP_DIR = '/var/backups/wizard';
/** Paths a purge never deletes, whatever the state says. */
const NEVER =
  /^\/(bin|boot|dev|etc|home|lib\w*|proc|root|run|sbin|sys|usr|var|var\/lib|var\/lib\/docker|opt|srv|data|tmp)?\/?$/;

function pick(deps: Deps, name: string | undefined): InstallRecord | { removed: string } {
  const { record: r, all } = selectInstall(deps, name);
  if (r) return r;
  const gone = name ? deps.state().removed(name) : undefined;
  if (name && gone)
    return {
      removed: `${name} was uninstalled on ${gone.at}${gone.purged ? ' (purged)' : ''}; there is nothing left to do.`,
    };
  throw new UserError(
    name
      ? `There is no install named "${name}".`
      : all.length
        ? `There are ${all.length} installs on this host; name one.`
        : 'There is no install on this host.',
    all.length
      ? `Installs: ${all.map((i) => i.name).join(', ')}. Usage: wizard uninstall INSTALL [--purge]`
      : 'Nothing to uninstall.',
  );
}

/**
 * `wizard uninstall [INSTALL]`: offers a backup, then stops and removes the install's containers and networks,
 * its proxy site (and the proxy when no other install uses it), the firewall ports the wizard opened for it (and
 * no other install needs), its backup schedule, and its state record. The data folder, volumes and backups stay
 * unless --purge (asked again; --yes --purge without a terminal). Running it again after it finished says so.
 */
export async function uninstallCommand(
  opts: UninstallOptions,
  deps: Deps,
  lock: () => unknown = () => {},
): Promise<number> {
  const to = folderFlag('--to', opts.to);
  const picked = pick(deps, opts.install);
  if ('removed' in picked) {
    deps.term.stdout.write(`${picked.removed}\n`);
    return 0;
  }
  const record = picked;
  const platform = platformOf(deps, record);
  const state = deps.state();
  const others = state.installs().filter((i) => i.name !== record.name);
  const usesProxy = (r: InstallRecord) =>
    r.tls !== 'none' && !deps.platforms.find((p) => p.id === r.platform)?.ownTls;
  const proxyStays = others.some(usesProxy);
  const dataDir = deps.env.hostPath(record.dataDir);
  const firewall = record.readiness?.firewall ?? [];
  const keepPorts = [
    ...new Set([
      ...others.flatMap((o) => (o.readiness?.firewall ?? []).flatMap((f) => f.ports)),
      ...(proxyStays ? proxy.ports : []),
    ]),
  ];
  const closing = [...new Set(firewall.flatMap((f) => f.ports))].filter((p) => !keepPorts.includes(p));
  const volumes = (platform.upgrade?.backup?.volumes ?? []).map((v) => v.name);
  if (opts.purge && NEVER.test(record.dataDir))
    throw new UserError(
      `The data dir of ${record.name} is ${record.dataDir}; a purge never deletes it.`,
      'Remove what you want by hand.',
    );

  const err = deps.term.stderr;
  // On a terminal each line wraps under its own text; without one it stays whole.
  const say = (l: string) => err.write(`${err.isTTY ? wrapText(l, err.columns || 80) : l}\n`);
  say(`Uninstall ${record.name} (${platform.title} ${record.release}, ${record.domain}):`);
  say(`  • its containers and networks stop and are removed (Compose project ${record.project})`);
  if (usesProxy(record))
    say(
      `  • its proxy site ${deps.env.hostPath(proxy.siteFile(record.domain))} is removed${proxyStays ? '' : ', and the proxy with it (no other install uses it)'}`,
    );
  if (closing.length) say(`  • the firewall ports the wizard opened for it close: ${closing.join(', ')}`);
  if (record.backupSchedule) say(`  • its backup schedule (${record.backupSchedule.unit}.timer) is removed`);
  say(
    opts.purge
      ? `  • PURGE: its data folder ${dataDir} (with its backups folder) and ${volumes.length ? `its volumes (${volumes.join(', ')})` : 'its volumes'} are DELETED`
      : `  • kept: its data folder ${dataDir}, its volumes and its backups (--purge deletes them)`,
  );

  let backup = opts.backup;
  if (!opts.yes) {
    if (!deps.term.interactive)
      throw new UserError(
        'Nothing was changed: an uninstall needs a "yes", and there is no terminal to ask.',
        `Pass --yes${opts.purge ? ' --purge' : ''} to go ahead (and --no-backup to skip the backup).`,
      );
    const { confirm } = await import('../ui/screens.js');
    if (backup === undefined) backup = await confirm(deps.term, `Back up ${record.name} first?`);
    if (!(await confirm(deps.term, `Remove ${record.name}?`)))
      throw new CancelledError('Nothing was changed.');
    if (
      opts.purge &&
      !(await confirm(deps.term, `Delete ${dataDir} and its volumes for good? This can't be undone.`))
    )
      throw new CancelledError('Nothing was changed.');
  }
  if (backup === undefined) backup = true;
  await lock();
  const backupDir = to ?? (opts.purge ? PURGE_BACKUP_DIR : `${record.dataDir}/backups`);
  const archiver = archiverOf(deps);
  const base = recordContext(deps, record, platform);
  const project = record.project;
  const label = `label=com.docker.compose.project=${project}`;
  const docker = (args: string[]) => deps.runner.run({ file: 'docker', args, reject: false });
  const ids = async (args: string[]) =>
    (await docker(args)).stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  const kept: string[] = [];
  let backupFile: string | undefined;
  let firewallNote = '';
  const list = await taskList(
    [
      {
        title: `Back up ${record.name} first`,
        enabled: () => Boolean(backup),
        task: async (_c: unknown, task: { signal?: AbortSignal; output?: unknown; title: string }) => {
          const install = backupInstallOf(record);
          const r = await takeBackupOrSay(
            {
              ...base,
              archiver,
              wizard: deps.version,
              install,
              state: { ...record },
              kind: 'backup',
              dir: backupDir,
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
          await recordBackup(deps, r, install, 'backup', record.release);
          backupFile = r.file;
          task.title = `Backed up to ${r.file}`;
        },
      },
      {
        title: 'Stop and remove the containers and networks',
        task: async (_c: unknown, task: { title: string }) => {
          const files = existsSync(dataDir);
          if (files)
            await deps.runner.run({ ...composeCommand(base, ['stop', '--timeout', '30']), reject: false });
          // By the project's label (also when its files are gone), with their anonymous volumes (an image's
          // VOLUME, which nothing could attach again); named volumes stay unless --purge.
          const containers = await ids(['ps', '--all', '--quiet', '--filter', label]);
          if (containers.length) await docker(['rm', '--force', '--volumes', ...containers]);
          if (files)
            await deps.runner.run({
              ...composeCommand(base, ['down', '--remove-orphans', ...(opts.purge ? ['--volumes'] : [])]),
              reject: false,
            });
          const networks = await ids(['network', 'ls', '--quiet', '--filter', label]);
          if (networks.length) await docker(['network', 'rm', ...networks]);
          if (opts.purge) {
            const vols = await ids(['volume', 'ls', '--quiet', '--filter', label]);
            if (vols.length) await docker(['volume', 'rm', '--force', ...vols]);
          }
          task.title = `Removed the containers and networks of ${project}${opts.purge ? ' and its volumes' : ''}`;
        },
      },
      {
        title: 'Remove the proxy site',
        enabled: () => usesProxy(record),
        task: async (_c: unknown, task: { title: string }) => {
          await archiver.remove(deps.env.hostPath(proxy.siteFile(record.domain)));
          const dir = deps.env.hostPath(proxy.dir);
          const project = proxy.project(deps.env.projectName);
          if (!existsSync(`${dir}/compose.yml`)) {
            task.title = 'Removed the proxy site';
            return;
          }
          if (proxyStays) {
            await deps.runner.run({
              ...proxy.composeCommand(dir, project, proxy.retryArgs),
              reject: false,
            });
            task.title = 'Removed the proxy site (the proxy stays for the other installs)';
            return;
          }
          await deps.runner.run({
            ...proxy.composeCommand(dir, project, [
              'down',
              '--remove-orphans',
              ...(opts.purge ? ['--volumes'] : []),
            ]),
            reject: false,
          });
          if (opts.purge) {
            await archiver.remove(dir);
            await archiver.remove(deps.env.hostPath(proxy.dataDir));
          }
          task.title = `Removed the proxy site and the proxy${opts.purge ? ' (its files and certificates too)' : ''}`;
        },
      },
      {
        title: 'Close the firewall ports opened for it',
        enabled: () => closing.length > 0,
        task: async (_c: unknown, task: { title: string }) => {
          const r = await closePorts(deps.runner, firewall, keepPorts);
          if (r.failed.length) firewallNote = `Close by hand: ${r.failed.join('; ')}`;
          task.title = `Closed ${r.closed.map((c) => c.port).join(', ') || 'no'} port(s)${r.failed.length ? ` (${r.failed.length} failed)` : ''}`;
        },
      },
      {
        title: 'Remove the backup schedule',
        enabled: () => Boolean(record.backupSchedule),
        task: async () => {
          const unit = record.backupSchedule?.unit ?? `wizard-backup-${record.name}`;
          if (record.backupSchedule?.enabled)
            await deps.runner.run({
              file: 'systemctl',
              args: ['disable', '--now', `${unit}.timer`],
              reject: false,
            });
          for (const ext of ['timer', 'service'])
            await archiver.remove(deps.env.hostPath(`/etc/systemd/system/${unit}.${ext}`));
        },
      },
      {
        title: `Delete ${dataDir}`,
        enabled: () => Boolean(opts.purge),
        task: async (_c: unknown, task: { title: string }) => {
          await archiver.remove(dataDir);
          const gone = state.backups().filter((b) => b.file.startsWith(`${dataDir}/`));
          await state.dropBackups(gone.map((b) => b.file));
          task.title = `Deleted ${dataDir}`;
        },
      },
      {
        title: 'Remove it from the state',
        task: async (_c: unknown, task: { title: string }) => {
          await state.remove(record.name, Boolean(opts.purge));
          task.title = 'Removed it from the state';
        },
      },
    ],
    {},
    deps.term,
    (t) => deps.log.redact(t),
  );
  await list.run();
  if (!opts.purge) kept.push(`data ${dataDir}`, ...(volumes.length ? [`volumes ${volumes.join(', ')}`] : []));
  const backups = state.backups().filter((b) => b.install === record.name);
  if (backups.length) kept.push(`backups: ${backups.map((b) => b.file).join(', ')}`);
  deps.term.stdout.write(
    [
      `✔ ${record.name} (${platform.title}) uninstalled${opts.purge ? ' and purged' : ''}.`,
      ...(backupFile ? [`  backup   ${backupFile} (wizard restore ${backupFile} brings it back)`] : []),
      ...(kept.length ? [`  kept     ${kept.join('; ')}`] : []),
      ...(firewallNote ? [`  ⚠ ${firewallNote}`] : []),
      '',
    ].join('\n'),
  );
  if (firewallNote)
    throw new WizardError(firewallNote, 'The install is removed; only those firewall rules are left.');
  return 0;
}
