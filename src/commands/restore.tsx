import { dirname, resolve } from 'node:path';
import { type BackupHeader, fileMember, headerProblem, human } from '../core/backup.js';
import {
  type ArchiveExpectation,
  DIGEST_SCHEME,
  formatDigest,
  parseDigest,
  recordExpectation,
} from '../core/backup-digest.js';
import { parseEnv } from '../core/envfile.js';
import { CancelledError, UserError } from '../core/errors.js';
import type { Platform } from '../core/platform.js';
import { type RestoreContext, restoredFiles, restoreTasks } from '../engine/restore-tasks.js';
import { RunProgress } from '../system/progress.js';
import { archiverOf, platformOf } from './backup-common.js';
import { repoTarget } from './backup-repo.js';
import type { Deps } from './deps.js';
import { installFromBackup } from './restore-move.js';
import { recordContext, taskList } from './task-list.js';

export interface RestoreOptions {
  backup?: string;
  fromRepo?: string;
  repoPasswordFile?: string;
  repoEnv?: string;
  yes?: boolean;
  trust?: boolean;
  digest?: string;
  sha256?: string;
  repoUrl?: string;
  offline?: boolean;
  ignoreCheck?: string[];
}

/** The archive to restore: a file, or a restic snapshot fetched into a fresh folder (restic authenticated it). */
async function source(opts: RestoreOptions, deps: Deps) {
  const archiver = archiverOf(deps);
  if (!opts.fromRepo) {
    if (!opts.backup)
      throw new UserError(
        'Which backup? Name its file.',
        'Usage: wizard restore FILE, or wizard restore --from-repo REPO [SNAPSHOT]. wizard backup list shows them.',
      );
    return { file: resolve(opts.backup), fetched: undefined, fromRepo: false };
  }
  const target = await repoTarget(deps, { ...opts, repo: opts.fromRepo });
  const { resticReady } = await import('./backup-repo.js');
  await resticReady(deps, target, Boolean(opts.yes));
  const snapshots = await target.restic.snapshots();
  const snap = opts.backup
    ? snapshots.find((s) => s.id.startsWith(opts.backup as string) || s.short_id === opts.backup)
    : snapshots.at(-1);
  if (!snap)
    throw new UserError(
      opts.backup
        ? `There is no snapshot ${opts.backup} in ${target.repo}.`
        : `${target.repo} holds no wizard backup.`,
      `Snapshots: ${snapshots.map((s) => s.short_id).join(', ') || 'none'} (wizard backup list --repo ${target.repo}).`,
    );
  const fetched = await archiver.freshFolder(deps.env.stateDir, 'restic-');
  const file = `${fetched}/${(snap.paths[0] ?? 'backup.tar').split('/').pop()}`;
  deps.term.stderr.write(
    `Fetching snapshot ${snap.short_id} (${snap.time.replace(/\.\d+/, '')}) from ${target.repo}...\n`,
  );
  await target.restic.fetch(snap, file);
  return { file, fetched, fromRepo: true };
}

/** Changed files shown before they are used: a diff for compose files, the changed keys (never values) for env files. */
async function showChanges(deps: Deps, ctx: RestoreContext): Promise<number> {
  let changed = 0;
  for (const f of restoredFiles(ctx)) {
    const staged = `${ctx.staging}/${fileMember(f.path)}`;
    const now = await deps.files.readText(f.path);
    const then = await ctx.archiver.readText(staged);
    if (then === undefined || now === then) continue;
    changed++;
    const real = deps.files.real(f.path);
    if (now === undefined) {
      deps.term.stderr.write(`  ${real}: not there now; the backup's is put back\n`);
      continue;
    }
    if (f.secret) {
      const a = parseEnv(now).values;
      const b = parseEnv(then).values;
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]);
      deps.term.stderr.write(
        `  ${real}: ${keys.length ? `changed ${keys.join(', ')} (values not shown)` : 'comments or order differ'}\n`,
      );
      continue;
    }
    const diff = await deps.runner.run({
      file: 'diff',
      args: ['-u', '--label', `${real} (now)`, '--label', `${real} (backup)`, real, staged],
      reject: false,
    });
    deps.term.stderr.write(`${diff.stdout.trimEnd()}\n`);
  }
  return changed;
}

const SHA = /^[0-9a-f]{64}$/;

/**
 * `wizard restore BACKUP`: puts an install back as a backup holds it, on this host or on a new one. The archive is
 * checked first (its digest against the state's record or --digest, or an older backup's file SHA-256; every member
 * against the manifest; no link, device, absolute or `..` member; nothing after the end) while it is unpacked into a
 * fresh root-owned folder, whose contents are used only once all of that passed; changed files are shown.
 * Without the install here (a new server), the platform is installed at the backup's release with its answers and
 * secrets first. Then what it replaces stops, the files, database, folders and volumes come back, and the
 * restored release must answer and its first admin log in.
 */
export async function restoreCommand(
  opts: RestoreOptions,
  deps: Deps,
  lock: () => unknown = () => {},
): Promise<number> {
  if (opts.sha256 !== undefined && !SHA.test(opts.sha256.toLowerCase()))
    throw new UserError(
      `--sha256 ${opts.sha256} is not a SHA-256 (64 hex digits).`,
      'Copy it from what the older wizard printed, or from wizard backup list --json.',
    );
  const digestHex = opts.digest === undefined ? undefined : parseDigest(opts.digest);
  if (opts.digest !== undefined && !digestHex)
    throw new UserError(
      `--digest ${opts.digest} is not a backup digest (${DIGEST_SCHEME}: and 64 hex digits).`,
      'Copy it from wizard backup or wizard backup list --json.',
    );
  if (opts.digest !== undefined && opts.sha256 !== undefined)
    throw new UserError('Give --digest or --sha256, not both.', 'A backup from this wizard has a --digest.');
  if (!opts.backup && !opts.fromRepo)
    throw new UserError(
      'Which backup? Name its file.',
      'Usage: wizard restore FILE, or wizard restore --from-repo REPO [SNAPSHOT]. wizard backup list shows them.',
    );
  await lock();
  const archiver = archiverOf(deps);
  const { file, fetched, fromRepo } = await source(opts, deps);
  let staging: string | undefined;
  try {
    const header: BackupHeader = await archiver.readHeader(file);
    const state = deps.state();
    const existing = state.get(header.install.name);
    const bad = headerProblem(header, {
      platforms: deps.platforms,
      wizard: deps.version,
      ...(existing ? { into: existing } : {}),
    });
    if (bad) throw new UserError(`${file}: ${bad.error}`, bad.remedy);
    const platform = platformOf(deps, header.install);
    const recorded = state.backups().find((b) => b.file === file);
    const fromRecord = recorded ? recordExpectation(recorded) : undefined;
    const expected: (ArchiveExpectation & { from: string }) | undefined = digestHex
      ? { digest: formatDigest(digestHex), from: 'given with --digest' }
      : opts.sha256
        ? { sha256: opts.sha256.toLowerCase(), from: 'given with --sha256' }
        : fromRecord && { ...fromRecord, from: 'recorded when the wizard wrote it' };
    if (!expected && !fromRepo && !opts.trust)
      throw new UserError(
        `${file} is not a backup this host's wizard recorded, so its digest can't be checked.`,
        'Pass --digest DIGEST (printed by wizard backup, and by wizard backup list --json on the old server), or --trust to restore it unchecked.',
      );
    if (opts.trust && !expected && !fromRepo)
      deps.term.stderr.write(
        `⚠ --trust: ${file} is restored without checking its digest against a record. Its compose files run as root.\n`,
      );

    // Unpacked beside the data dir (one filesystem, so folders move into place by rename).
    const dataDir = deps.env.hostPath(header.install.dataDir);
    staging = await archiver.freshFolder(dirname(dataDir), '.wizard-restore-');
    deps.term.stderr.write(`Checking and unpacking ${file}...\n`);
    // The staging folder is used only after this returns: every member, the manifest and the digest checked.
    const read = await archiver.read(file, { into: staging, ...(expected ? { expect: expected } : {}) });
    const h = read.header;
    const release = h.install.release;
    const what = [
      h.contents.dump ? 'the database' : '',
      ...h.contents.folders,
      ...h.contents.volumes.map((v) => `the volume ${v}`),
    ].filter(Boolean);
    deps.term.stderr.write(
      `Restore ${h.install.name} (${platform.title} ${release}) from ${file} (${human(read.size)}, ${h.kind === 'upgrade' ? 'taken before an upgrade' : 'wizard backup'}, ${h.createdAt}):\n` +
        (existing
          ? `  • ${(platform.upgrade?.backup?.restoreStop ?? platform.upgrade?.backup?.dump?.stop ?? []).join(', ') || 'the app'} stops; its env and compose files come back (the current ones kept as .bak)\n`
          : `  • no install named ${h.install.name} here: ${platform.title} ${release} is installed first (${h.install.dataDir}, ${h.install.domain}), with the backup's answers and secrets\n`) +
        `  • ${what.length ? `${what.join(', ')} ${what.length > 1 ? 'are' : 'is'} REPLACED by the backup's` : 'the files only'}\n` +
        `  • it starts and must answer${platform.upgrade?.backup?.adminLogin ? ', and its first admin must log in' : ''}\n`,
    );
    const confirmOr = async (question: string) => {
      if (opts.yes) return;
      if (!deps.term.interactive)
        throw new UserError(
          'Nothing was changed: a restore replaces data and needs a "yes", and there is no terminal to ask.',
          'Pass --yes to go ahead.',
        );
      const { confirm } = await import('../ui/screens.js');
      if (!(await confirm(deps.term, question))) throw new CancelledError('Nothing was changed.');
    };
    let record = existing;
    const ctxOf = (r: NonNullable<typeof existing>): RestoreContext => ({
      ...recordContext(deps, r, platform),
      archiver,
      header: h,
      staging: staging as string,
      release,
      ...(existing ? {} : { seeded: true }),
    });
    if (record) {
      const changed = await showChanges(deps, ctxOf(record));
      if (changed) deps.term.stderr.write(`${changed} file(s) differ from the backup's (shown above).\n`);
      await confirmOr('Replace the current data with this backup?');
    } else {
      await confirmOr(`Install ${platform.title} ${release} and put this backup's data in it?`);
      record = await installFromBackup(deps, platform as Platform, h, staging, archiver, opts);
      const changed = await showChanges(deps, ctxOf(record));
      if (changed)
        deps.term.stderr.write(
          `${changed} file(s) of the backup differ from what the install wrote (shown above); the backup's are used.\n`,
        );
    }
    const ctx = ctxOf(record);
    deps.term.stderr.write(`Restoring ${record.name}\n`);
    // A dropped SSH session does not stop a restore halfway: it goes on to its end without a terminal.
    deps.session?.survivesHangup();
    const progress = new RunProgress(deps.env.stateDir, 'restore', deps.log);
    progress.begin(`restore ${record.name} from ${file}`);
    try {
      await (await taskList(restoreTasks(), ctx, deps.term, (t) => deps.log.redact(t), progress)).run();
    } catch (e) {
      progress.end(false, e instanceof Error ? e.message : String(e));
      throw e;
    }
    progress.end(true, `${record.name} restored to ${platform.title} ${release}`);
    const r = state.get(record.name);
    await state.update(record.name, {
      release,
      status: 'installed',
      history: [
        // On a new server, the history the backup carried comes first.
        ...(existing ? [] : (h.state?.history ?? [])),
        ...(r?.history ?? []),
        { from: record.release, to: release, result: `restored from ${file}`, at: new Date().toISOString() },
      ],
    });
    deps.term.stdout.write(
      `✔ ${record.name} restored to ${platform.title} ${release} from ${fromRepo ? `${opts.fromRepo} (${file.split('/').pop()})` : file}.\n`,
    );
    return 0;
  } finally {
    if (staging) await archiver.remove(staging);
    if (fetched) await archiver.remove(fetched);
  }
}
