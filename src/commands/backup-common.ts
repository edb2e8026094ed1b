import { type BackupHeader, type BackupInstall, type BackupRecord, hasControl } from '../core/backup.js';
import { UserError } from '../core/errors.js';
import type { Platform } from '../core/platform.js';
import type { BackupResult } from '../engine/backup-tasks.js';
import { RealArchiver } from '../system/archive.js';
import type { InstallRecord } from '../system/state.js';
import type { Deps } from './deps.js';
import { selectInstall } from './record.js';

/** What backup, restore and uninstall share: the install named (or the only one), the archiver, the records. */

export function pickInstall(deps: Deps, name: string | undefined, usage: string): InstallRecord {
  const { record: r, all } = selectInstall(deps, name);
  if (r) return r;
  throw new UserError(
    name
      ? `No install named or serving "${name}".`
      : all.length === 0
        ? 'There is no install on this host.'
        : `There are ${all.length} installs on this host; name one.`,
    all.length
      ? `Installs: ${all.map((i) => i.name).join(', ')}. Usage: ${usage}`
      : 'Run wizard install first.',
  );
}

export function platformOf(deps: Deps, record: Pick<InstallRecord, 'platform' | 'name'>): Platform {
  const p = deps.platforms.find((x) => x.id === record.platform);
  if (!p)
    throw new UserError(
      `The install ${record.name} is of a platform this wizard does not know (${record.platform}).`,
      'Use the wizard that installed it.',
    );
  return p;
}

export const archiverOf = (deps: Deps) => new RealArchiver(deps.runner);

/** The install as a backup's header records it (its answers; the secrets stay in the env files). */
export function backupInstallOf(r: InstallRecord): BackupInstall {
  return {
    name: r.name,
    platform: r.platform,
    domain: r.domain,
    email: r.email,
    dataDir: r.dataDir,
    release: r.release,
    tls: r.tls,
    port: r.port,
    repoUrl: r.repoUrl,
    project: r.project,
    composeFiles: r.composeFiles,
    extra: { ...r.extra },
  };
}

/** Records a backup the wizard wrote, with its digest (a restore checks it). */
export async function recordBackup(
  deps: Deps,
  r: BackupResult,
  install: BackupInstall,
  kind: BackupHeader['kind'],
  release: string,
): Promise<BackupRecord> {
  const record: BackupRecord = {
    file: r.file,
    digest: r.digest,
    size: r.size,
    install: install.name,
    platform: install.platform,
    release,
    kind,
    createdAt: new Date().toISOString(),
  };
  await deps.state().addBackup(record);
  return record;
}

/** A positive whole number flag (e.g. --keep), or bad input. */
export function countFlag(flag: string, value: string | undefined, max = 1000): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max)
    throw new UserError(
      `${flag} ${value} is not a number from 1 to ${max}.`,
      `Pass ${flag} N, e.g. ${flag} 7.`,
    );
  return Number(value);
}

/** An absolute folder path flag (a logical host path: under WIZARD_ROOT it is inside it). */
export function folderFlag(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!value.startsWith('/') || hasControl(value) || value.split('/').includes('..'))
    throw new UserError(
      `${flag} ${JSON.stringify(value)} is not an absolute folder path.`,
      `Pass ${flag} /path/to/folder.`,
    );
  return value.replace(/\/+$/, '') || '/';
}
