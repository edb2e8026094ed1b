import { existsSync } from 'node:fs';
import { type BackupRecord, human } from '../core/backup.js';
import { repoTarget } from './backup-repo.js';
import type { Deps } from './deps.js';

/** `wizard backup list [INSTALL]`: the backups the state records (newest last), and with --repo the repository's. */
export async function backupListCommand(
  opts: { install?: string; json?: boolean; repo?: string; repoPasswordFile?: string; repoEnv?: string },
  deps: Deps,
): Promise<number> {
  const state = deps.state();
  const named = opts.install ? (state.find(opts.install)?.name ?? opts.install) : undefined;
  const rows = state
    .backups()
    .filter((b) => !named || b.install === named)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .map((b) => ({ ...b, present: existsSync(b.file) }));
  const target = opts.repo ? await repoTarget(deps, opts) : undefined;
  const snapshots = target ? await target.restic.snapshots(named) : undefined;
  if (opts.json) {
    deps.term.stdout.write(
      `${JSON.stringify({ backups: rows, ...(snapshots ? { snapshots } : {}) }, null, 2)}\n`,
    );
    return 0;
  }
  const line = (b: BackupRecord & { present: boolean }) =>
    `${b.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}  ${b.install.padEnd(12)} ${`${deps.platforms.find((p) => p.id === b.platform)?.title ?? b.platform} ${b.release}`.padEnd(20)} ${b.kind.padEnd(7)} ${human(b.size).padStart(9)}  ${(b.digest?.split(':')[1] ?? b.sha256 ?? '').slice(0, 12)}  ${b.file}${b.present ? '' : '  (missing)'}${b.snapshot ? `  restic ${b.snapshot.id.slice(0, 8)}` : ''}`;
  deps.term.stdout.write(
    rows.length
      ? `${rows.map(line).join('\n')}\n`
      : `No backups recorded${named ? ` of ${named}` : ''}. Take one: wizard backup ${named ?? 'INSTALL'}\n`,
  );
  if (snapshots)
    deps.term.stdout.write(
      `Snapshots in ${target?.repo}:\n${snapshots.map((s) => `  ${s.short_id}  ${s.time.replace(/\.\d+/, '')}  ${(s.tags ?? []).find((t) => t.startsWith('wizard-install='))?.slice(15) ?? ''}  ${s.paths.join(' ')}`).join('\n') || '  none'}\n`,
    );
  return 0;
}
