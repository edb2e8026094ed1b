import type { ListrTask } from 'listr2';
import type { Archiver, BackupHeader, BackupInstall } from '../core/backup.js';
import { composeCommand } from '../core/compose.js';
import type { InstallContext } from '../core/context.js';
import { parseEnv, setEnv } from '../core/envfile.js';
import { CancelledError, WizardError } from '../core/errors.js';
import type { Release, UpgradeIO } from '../core/platform.js';
import { previousEnvPath, type UpgradePhase } from '../core/upgrade-journal.js';
import { type BackupResult, takeBackup } from './backup-tasks.js';
import { untilHealthy } from './health.js';
import { startedLast, startStack } from './start.js';
import { pollUntilReady } from './tasks.js';

/** What one upgrade step (one release to the next) carries besides the install context. */
export interface UpgradeContext extends InstallContext {
  from: string;
  to: Release;
  envPath: string;
  /** Logical folder the backups go to. */
  backupDir: string;
  noBackup: boolean;
  /** Set by the backup task; set before the run to reuse a backup an interrupted run completed. */
  backupFile?: string;
  /** Set when the new release failed and the old one was brought back. */
  rolledBack?: string;
  stamp: string;
  /** Extra files (logical paths) the backup keeps besides the env file and compose files, e.g. the state. */
  keep: string[];
  /** How the backup is written and recorded (set by the command; src/engine/backup-tasks.ts takes it). */
  backupWith?: {
    archiver: Archiver;
    wizard: string;
    install: BackupInstall;
    state?: BackupHeader['state'];
    record: (r: BackupResult) => Promise<void>;
  };
  /** Writes the upgrade journal (the state) as each phase is reached; `switching` before the env file changes. */
  onPhase?: (phase: UpgradePhase, facts?: { backup?: string; previousEnv?: string }) => Promise<void>;
}

const readiness = (_version: string) => ({
  url: (c: InstallContext) =>
    `http://127.0.0.1:${c.platform.readiness.port?.(c.answers) ?? c.answers.port}${c.platform.readiness.path}`,
  judge: (c: InstallContext) => c.platform.readiness.judge,
  service: (c: InstallContext) => c.platform.readiness.service,
  expectVersion: true,
});

/**
 * Waits until the install answers as `ctx.answers.version`: the container's health check for a platform that is
 * waited for that way (readiness.health), else the readiness URL with the version it reports.
 */
export async function untilReady(
  ctx: InstallContext,
  io: UpgradeIO & { remedy?: string; ignoreAbort?: boolean; timeoutSeconds?: number },
): Promise<{ version?: string; seconds: number }> {
  if (ctx.platform.readiness.health) return untilHealthy(ctx, io);
  const w = readiness(ctx.answers.version);
  return pollUntilReady(
    ctx,
    io.timeoutSeconds ? { ...w, timeoutSeconds: () => io.timeoutSeconds as number } : w,
    io,
  );
}

/** A command as the plan shows it: the script of `sh -c SCRIPT`, else the argv. */
export const shown = (argv: string[]) =>
  argv[0] === 'sh' && argv[1] === '-c' ? (argv[2] ?? '') : argv.join(' ');

/** The env values the new release sets, over what the env file holds. */
function envWith(ctx: UpgradeContext, text: string): Record<string, string> {
  return { ...parseEnv(text).values, ...ctx.platform.upgrade?.envFor(ctx.to) };
}

export function upgradeTasks(): ListrTask<UpgradeContext>[] {
  return [
    {
      title: 'Check that the install answers now',
      task: async (ctx, task) => {
        const current = { ...ctx, answers: { ...ctx.answers, version: ctx.from } };
        const r = await untilReady(current, {
          timeoutSeconds: Math.min(30, ctx.readyTimeoutSeconds),
          ...(task.signal ? { signal: task.signal } : {}),
          output: (l) => {
            task.output = l;
          },
          remedy: 'Upgrade a healthy install only: wizard doctor says what is wrong. Nothing was changed.',
        });
        task.title = `${ctx.platform.title} ${r.version ?? ctx.from} answers`;
        await ctx.onPhase?.('checked');
      },
    },
    {
      title: 'Back up the database, data, env and compose files',
      skip: (ctx) =>
        ctx.noBackup
          ? 'No backup (--no-backup)'
          : ctx.backupFile
            ? `Reusing the backup taken before: ${ctx.backupFile}`
            : false,
      task: async (ctx, task) => {
        const w = ctx.backupWith;
        if (!w) throw new WizardError('The upgrade has no way to write its backup (a bug in the wizard).');
        const r = await takeBackup(
          {
            ...ctx,
            answers: { ...ctx.answers, version: ctx.from },
            archiver: w.archiver,
            wizard: w.wizard,
            install: w.install,
            ...(w.state ? { state: w.state } : {}),
            kind: 'upgrade',
            dir: ctx.backupDir,
            upgrade: { from: ctx.from, to: ctx.to.version },
          },
          {
            ...(task.signal ? { signal: task.signal } : {}),
            output: (l) => {
              task.output = l;
            },
          },
        );
        ctx.backupFile = r.file;
        await w.record(r);
        if (r.notBack)
          throw new WizardError(
            `${ctx.platform.title} ${ctx.from} did not answer again after its backup (${r.notBack}); the upgrade did not start.`,
            `The backup is whole: ${r.file}. wizard doctor says why it does not answer.`,
          );
        task.title = `Backed up to ${ctx.backupFile}`;
        await ctx.onPhase?.('backed-up', { backup: ctx.backupFile });
      },
    },
    {
      title: 'Pull the new images before anything stops',
      task: async (ctx, task) => {
        const env = envWith(ctx, (await ctx.files.readText(ctx.envPath)) ?? '');
        if (ctx.answers.offline) {
          const images = await ctx.runner.run({ ...composeCommand(ctx, ['config', '--images']), env });
          for (const image of images.stdout
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean)) {
            const found = await ctx.runner.run({
              file: 'docker',
              args: ['image', 'inspect', '--format', '{{.Id}}', image],
              reject: false,
            });
            if (found.exitCode !== 0)
              throw new WizardError(
                `The image ${image} is not on this host (--offline).`,
                'Load it (docker load) or drop --offline. Nothing was changed.',
              );
          }
          task.title = 'New images are on this host (--offline)';
          await ctx.onPhase?.('pulled');
          return;
        }
        await ctx.runner.run(
          {
            ...composeCommand(ctx, ['pull']),
            env,
            remedy:
              'Check that this server reaches the registry. Nothing was changed: the old release still runs.',
          },
          {
            ...(task.signal ? { signal: task.signal } : {}),
            onLine: (l) => {
              task.output = l;
            },
          },
        );
        task.title = 'Pulled the new images';
        await ctx.onPhase?.('pulled');
      },
    },
    {
      title: 'Switch to the new release',
      task: async (ctx, task) => {
        const before = (await ctx.files.readText(ctx.envPath)) ?? '';
        const io = {
          ...(task.signal ? { signal: task.signal } : {}),
          output: (l: string) => {
            task.output = l;
          },
        };
        const envSpec = {
          kind: 'file' as const,
          path: ctx.envPath,
          mode: 0o600,
          secret: true,
          description: 'env file',
        };
        // The env file as it was, kept (0600) before the journal says `switching`: a re-run after a kill puts it back.
        const previousEnv = previousEnvPath(ctx.envPath);
        await ctx.files.write({
          ...envSpec,
          path: previousEnv,
          content: before,
          description: 'env file before the upgrade',
        });
        await ctx.onPhase?.('switching', { previousEnv });
        try {
          await ctx.files.write({
            ...envSpec,
            content: setEnv(before, ctx.platform.upgrade?.envFor(ctx.to) ?? {}),
          });
          task.output = `Starting ${ctx.platform.title} ${ctx.to.version}...`;
          const apply = ctx.platform.upgrade?.apply;
          const started = ctx.clock.now();
          if (apply) {
            // The platform's own sequence (e.g. migrations around the start); it waits for the new release itself.
            await apply(ctx, io);
            task.title = `${ctx.platform.title} ${ctx.readyVersion ?? ctx.to.version} answers (after ${Math.round((ctx.clock.now() - started) / 1000)} s)`;
          } else {
            await startStack(ctx, io);
            const r = await untilReady(ctx, io);
            await startedLast(ctx);
            task.title = `${ctx.platform.title} ${r.version ?? ctx.to.version} answers (after ${r.seconds} s)`;
          }
        } catch (e) {
          // The last services of the new release's start end before the old release comes back.
          await startedLast(ctx).catch(() => undefined);
          throw await rollBack(ctx, before, e, io.output);
        }
      },
    },
  ];
}

/**
 * The automatic rollback: the previous env file and images come back, and must answer again (even after Ctrl-C: the
 * old release must be left running, never neither). Returns the error to throw, with the backup and restore remedy.
 */
export async function rollBack(
  ctx: UpgradeContext,
  before: string,
  cause: unknown,
  output: (line: string) => void,
  resumed = false,
): Promise<WizardError> {
  const why = cause instanceof Error ? (cause.message.split('\n')[0] ?? '') : String(cause);
  output(`Rolling back to ${ctx.from}: ${why}`);
  ctx.log.warn(`upgrade to ${ctx.to.version} failed (${why}); rolling back to ${ctx.from}`);
  await ctx.files.write({
    kind: 'file',
    path: ctx.envPath,
    mode: 0o600,
    secret: true,
    description: 'env file',
    content: before,
  });
  const old = { ...ctx, answers: { ...ctx.answers, version: ctx.from, offline: true } };
  try {
    // The old release's images are on the host: never pulled again. Its start is waited for below either way.
    await startStack(old, { output, ignoreAbort: true });
  } catch (e) {
    output(`Starting ${ctx.from} again: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  let back = 'and it answers again';
  try {
    await untilReady(old, { output, ignoreAbort: true });
    await startedLast(old).catch(() => undefined);
  } catch {
    back = 'but it does not answer yet';
  }
  const dump = ctx.platform.upgrade?.backup?.dump;
  const what = resumed
    ? `did not answer after the interrupted switch (${why})`
    : cause instanceof CancelledError
      ? 'was interrupted'
      : `did not come up (${why})`;
  ctx.rolledBack = `${ctx.platform.title} ${ctx.to.version} ${what}; ${ctx.from} was put back ${back}.`;
  return new WizardError(
    ctx.rolledBack,
    [
      ctx.backupFile
        ? `The backup taken before: ${ctx.backupFile}. ${dump ? `If the new release had migrated the database, restore it from there (its ${dump.file} with ${shown(dump.restore)}).` : ''}`
        : 'No backup was taken (--no-backup).',
      ctx.backupFile ? `wizard restore ${ctx.backupFile} puts the database and files back as they were.` : '',
      `The log: ${ctx.log.path}`,
    ]
      .filter(Boolean)
      .join(' '),
  );
}
