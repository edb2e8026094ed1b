import type { InstallContext } from '../core/context.js';
import { parseEnv } from '../core/envfile.js';
import { UserError, WizardError } from '../core/errors.js';
import type { Platform, Release } from '../core/platform.js';
import {
  beforeSwitch,
  describeJournal,
  type UpgradeJournal,
  type UpgradePhase,
} from '../core/upgrade-journal.js';
import { SETTLE_PROBE_SECONDS, settleSwitch } from '../engine/upgrade-settle.js';
import type { UpgradeContext } from '../engine/upgrade-tasks.js';
import { STATE_DIR } from '../system/environment.js';
import type { InstallRecord } from '../system/state.js';
import type { Deps } from './deps.js';
import { stampNow } from './task-list.js';

/** One entry of an install's upgrade history. */
export type HistoryEntry = { from: string; to: string; result: string; backup?: string | undefined };

/** The env file an upgrade of this install changes (logical path). */
export function upgradeEnvPath(
  record: InstallRecord,
  platform: Platform,
  answers: InstallContext['answers'],
): string {
  return platform.upgrade?.envFile?.(answers) ?? platform.envFile?.(answers) ?? `${record.dataDir}/.env`;
}

/** The task context of one step (FROM → release) of an upgrade. */
export function stepContext(
  base: InstallContext,
  record: InstallRecord,
  from: string,
  release: Release,
  opts: { offline?: boolean; backup?: boolean },
): UpgradeContext {
  return {
    ...base,
    answers: { ...base.answers, version: release.version, offline: Boolean(opts.offline) },
    notes: [],
    from,
    to: release,
    envPath: upgradeEnvPath(record, base.platform, base.answers),
    backupDir: `${record.dataDir}/backups`,
    noBackup: opts.backup === false,
    stamp: stampNow(),
    // The wizard's state as it was, beside the env and compose files (for reference: restore records itself).
    keep: [`${STATE_DIR}/state.json`],
  };
}

/** Writes the journal before each phase of a step (the state is written atomically); facts accumulate. */
export function journalWriter(
  deps: Deps,
  name: string,
  step: Omit<UpgradeJournal, 'phase' | 'pid' | 'startedAt' | 'updatedAt'>,
) {
  const startedAt = new Date().toISOString();
  let facts: Pick<UpgradeJournal, 'backup' | 'previousEnv'> = {};
  return async (phase: UpgradePhase, more: { backup?: string; previousEnv?: string } = {}) => {
    facts = { ...facts, ...more };
    const journal: UpgradeJournal = {
      ...step,
      ...facts,
      phase,
      pid: process.pid,
      startedAt,
      updatedAt: new Date().toISOString(),
    };
    await deps.state().update(name, { upgradeJournal: journal });
  };
}

/** Ends a step: the history entry written and the journal cleared in one state write; the kept env copy removed. */
export async function endStep(
  deps: Deps,
  name: string,
  entry: HistoryEntry | undefined,
  patch: Partial<InstallRecord> = {},
): Promise<void> {
  const r = deps.state().get(name);
  if (!r) return;
  const previous = r.upgradeJournal?.previousEnv;
  const history = entry ? [...(r.history ?? []), { ...entry, at: new Date().toISOString() }] : r.history;
  await deps.state().update(name, { ...patch, ...(history ? { history } : {}), upgradeJournal: undefined });
  if (previous)
    await deps.runner.run({
      file: 'rm',
      args: ['-f', '--', deps.files.real(previous), `${deps.files.real(previous)}.bak`],
      reject: false,
    });
}

/**
 * Installs written before the platform's env layout (e.g. Mastodon's release in docker-compose.yml rather than
 * MASTODON_VERSION in .env) are refused before anything changes, with the install re-run that moves them over.
 */
export async function refuseOldLayout(
  deps: Deps,
  record: InstallRecord,
  platform: Platform,
  answers: InstallContext['answers'],
): Promise<void> {
  const key = platform.upgrade?.versionKey;
  if (!key) return;
  const envPath = upgradeEnvPath(record, platform, answers);
  const text = await deps.files.readText(envPath);
  if (text !== undefined && parseEnv(text).values[key] !== undefined) return;
  const flags = [
    `--platform ${record.platform}`,
    `--name ${record.name}`,
    `--domain ${record.domain}`,
    `--email ${record.email}`,
    `--version ${record.release}`,
    `--data-dir ${record.dataDir}`,
    `--tls ${record.tls}`,
    `--port ${record.port}`,
    ...(record.repoUrl ? [`--repo-url ${record.repoUrl}`] : []),
  ];
  throw new UserError(
    `${deps.files.real(envPath)} ${text === undefined ? 'is missing' : `has no ${key}`}: this ${platform.title} install was written by an older wizard, before the layout \`wizard upgrade\` changes (the release as ${key} in that file). Nothing was changed.`,
    `Move it to the current layout first (same release ${record.release}, secrets and data kept): wizard install ${flags.join(' ')} --yes; then: wizard upgrade ${record.name}`,
  );
}

/** What settling an interrupted upgrade left: where the rest of the path goes, and a backup the next step may reuse. */
export interface Settled {
  /** The release the interrupted run was going to. */
  target: string;
  /** Said again when the rest of the path is not started (no terminal, no --yes). */
  summary: string;
  /** The step resumed with the backup it completed before it was killed. */
  reuse?: { from: string; to: string; backup: string };
  /** The step recorded as done ("FROM → TO (resumed)"). */
  upgraded?: string;
}

/**
 * Settles an upgrade the wizard was killed in (the journal is in the state), before anything else, saying what it
 * found. Before `switching` nothing was changed: the path resumes from that step (its completed backup reused).
 * While `switching`: the new release answers → recorded as done ("upgraded (resumed)"); else rolled back to the
 * previous env file and release ("rolled back (resumed)") and the rollback's error is thrown.
 */
export async function settleInterrupted(
  deps: Deps,
  record: InstallRecord,
  base: InstallContext,
  journal: UpgradeJournal,
  opts: { offline?: boolean },
  /** The release list the upgrade walks (the feed merged with the shipped list). */
  releases: Release[] = base.platform.releases,
): Promise<Settled> {
  const platform = base.platform;
  const say = (line: string) => deps.term.stderr.write(`${line}\n`);
  const target = journal.path.at(-1) ?? journal.to;
  say(`Found an interrupted ${describeJournal(journal)}.`);
  if (beforeSwitch(journal)) {
    const backup =
      journal.backup &&
      (await deps.runner.run({ file: 'test', args: ['-s', journal.backup], reject: false })).exitCode === 0
        ? journal.backup
        : undefined;
    const summary = `Nothing was changed by it: ${platform.title} ${journal.from} still runs.`;
    say(
      `${summary} The upgrade resumes from ${journal.from} → ${journal.to}${backup ? `, reusing the backup ${backup}` : ' (the backup is taken again)'}.`,
    );
    return { target, summary, ...(backup ? { reuse: { from: journal.from, to: journal.to, backup } } : {}) };
  }
  const release = releases.find((r) => r.version === journal.to);
  if (!release)
    throw new WizardError(
      `The interrupted upgrade went to ${journal.to}, which is not in the release list of this wizard.`,
      `Use the wizard version that started it, or restore: wizard restore ${journal.backup ?? 'BACKUP'}`,
    );
  const ctx = stepContext(base, record, journal.from, release, opts);
  if (journal.backup) ctx.backupFile = journal.backup;
  const seconds = Math.min(SETTLE_PROBE_SECONDS, ctx.readyTimeoutSeconds);
  say(`Checking whether ${platform.title} ${journal.to} answers (up to ${seconds} s)...`);
  const log = (line: string) => deps.log.info(`settle: ${line}`);
  try {
    const version = await settleSwitch(ctx, journal, log);
    await endStep(
      deps,
      record.name,
      { from: journal.from, to: journal.to, result: 'upgraded (resumed)', backup: journal.backup },
      { release: journal.to },
    );
    const summary = `${platform.title} ${version} answers: the interrupted upgrade ${journal.from} → ${journal.to} is recorded as done.`;
    say(`✔ ${summary}`);
    return { target, summary, upgraded: `${journal.from} → ${journal.to} (resumed)` };
  } catch (e) {
    if (ctx.rolledBack)
      await endStep(deps, record.name, {
        from: journal.from,
        to: journal.to,
        result: 'rolled back (resumed)',
        backup: journal.backup,
      });
    throw e;
  }
}
