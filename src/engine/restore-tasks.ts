import type { ListrTask } from 'listr2';
import {
  type Archiver,
  type BackupHeader,
  dumpMember,
  fileMember,
  folderMember,
  volumeMember,
} from '../core/backup.js';
import { composeCommand } from '../core/compose.js';
import type { InstallContext } from '../core/context.js';
import { WizardError } from '../core/errors.js';
import { backupFiles, volumePaths } from './backup-tasks.js';
import { poll } from './poll.js';
import { startedLast, startStack } from './start.js';
import { shown, untilReady } from './upgrade-tasks.js';
import { waitFor } from './wait.js';

/** What a restore carries: the install context, the verified extraction of the backup, and its release. */
export interface RestoreContext extends InstallContext {
  archiver: Archiver;
  header: BackupHeader;
  /** Real path of the verified extraction (files/, dump/, folders/, volumes/ as in the archive). */
  staging: string;
  /** The release the backup was taken from (it comes back with it). */
  release: string;
  /**
   * A new server: the env files were put in place before the install, which merged them (their secrets kept, the
   * values it chose for this host, such as free ports and the Compose project, written in): not put back again.
   */
  seeded?: boolean;
}

const io = (task: { signal?: AbortSignal; output?: unknown }) => ({
  ...(task.signal ? { signal: task.signal } : {}),
  output: (l: string) => {
    task.output = l;
  },
});

/** Everything a restore starts runs the images on this host: it never pulls. */
const offline = (ctx: RestoreContext): RestoreContext => ({
  ...ctx,
  answers: { ...ctx.answers, offline: true },
});

/** The files a restore writes back: those the platform's backup keeps, that this backup holds. */
export function restoredFiles(ctx: RestoreContext): { path: string; secret: boolean }[] {
  const spec = ctx.platform.upgrade?.backup;
  const envFiles = new Set(spec?.envFiles(ctx.answers) ?? []);
  const secret = new Set([...envFiles, ...(spec?.files?.(ctx.answers) ?? [])]);
  const held = new Set(ctx.header.contents.files);
  return backupFiles({ ...ctx, keep: [] })
    .filter((f) => held.has(f) && !(ctx.seeded && envFiles.has(f)))
    .map((path) => ({ path, secret: secret.has(path) }));
}

export function restoreTasks(): ListrTask<RestoreContext>[] {
  const spec = (ctx: RestoreContext) => ctx.platform.upgrade?.backup;
  const stopped = (ctx: RestoreContext) => spec(ctx)?.restoreStop ?? spec(ctx)?.dump?.stop ?? [];
  return [
    {
      title: 'Stop what the restore replaces',
      enabled: (ctx) => stopped(ctx).length > 0,
      task: async (ctx, task) => {
        await ctx.runner.run(composeCommand(ctx, ['stop', ...stopped(ctx)]), io(task));
        task.title = `Stopped ${stopped(ctx).join(', ')}`;
      },
    },
    {
      title: 'Put back the env and compose files',
      task: async (ctx, task) => {
        const files = restoredFiles(ctx);
        let n = 0;
        for (const f of files) {
          const content = await ctx.archiver.readText(`${ctx.staging}/${fileMember(f.path)}`);
          if (content === undefined) continue;
          await ctx.files.write({
            kind: 'file',
            path: f.path,
            mode: f.secret ? 0o600 : 0o644,
            owner: { uid: 0, gid: 0 },
            ...(f.secret ? { secret: true } : {}),
            content,
            description: 'restored',
          });
          n++;
        }
        task.title = `Put back ${n} files (the current ones are kept as .bak)`;
      },
    },
    {
      title: 'Restore the database',
      enabled: (ctx) => Boolean(spec(ctx)?.dump && ctx.header.contents.dump),
      task: async (ctx, task) => {
        const dump = spec(ctx)?.dump;
        if (!dump) return;
        const signal = task.signal ? { signal: task.signal } : {};
        // The database alone, in the platform's start order, waited for until it accepts connections.
        await startStack(offline(ctx), { ...io(task), services: [dump.service] });
        task.output = `Restoring the database (${shown(dump.restore)})...`;
        const file = `${ctx.staging}/${dumpMember(dump.file)}`;
        // A database that accepts connections may not take writes yet (a replica set electing its primary).
        let failed = '';
        await waitFor(
          ctx,
          {
            what: `The ${dump.service} database`,
            service: dump.service,
            timeoutSeconds: Math.min(120, ctx.readyTimeoutSeconds),
            intervalMs: () => 1000,
            timeoutMessage: (seconds) =>
              `The database could not be restored within ${seconds} s: ${failed || 'no answer'}`,
            async check() {
              const r = await ctx.runner.run(
                {
                  ...composeCommand(ctx, ['exec', '-T', dump.service, ...dump.restore]),
                  stdinFile: file,
                  reject: false,
                },
                signal,
              );
              if (r.exitCode === 0) return { done: true, value: undefined };
              failed =
                `${r.stderr || r.stdout}`.trim().split('\n').slice(-3).join(' ') || `exit code ${r.exitCode}`;
              return { done: false, detail: failed };
            },
          },
          {
            ...io(task),
            remedy: 'The backup is intact: run the same wizard restore again once the database runs.',
          },
        );
        task.title = `Restored the database (${shown(dump.restore)})`;
      },
    },
    {
      title: 'Put back the data folders',
      enabled: (ctx) => ctx.header.contents.folders.length > 0,
      task: async (ctx, task) => {
        const known = new Set((spec(ctx)?.folders ?? []).map((f) => f.path));
        const base = ctx.files.real(ctx.answers.dataDir);
        const done: string[] = [];
        for (const rel of ctx.header.contents.folders.filter((f) => known.has(f))) {
          task.output = `${rel}...`;
          await ctx.archiver.replaceFolder(`${ctx.staging}/${folderMember(rel)}`, `${base}/${rel}`, base);
          done.push(rel);
        }
        task.title = `Put back ${done.join(', ')}`;
      },
    },
    {
      title: 'Put back the volumes',
      enabled: (ctx) => ctx.header.contents.volumes.length > 0,
      task: async (ctx, task) => {
        const known = new Set((spec(ctx)?.volumes ?? []).map((v) => v.name));
        const names = ctx.header.contents.volumes.filter((v) => known.has(v));
        for (const v of await volumePaths(ctx, names, task.signal)) {
          task.output = `${v.name}...`;
          await ctx.archiver.replaceContents(`${ctx.staging}/${volumeMember(v.name)}`, v.path);
        }
        task.title = `Put back the volumes ${names.join(', ')}`;
      },
    },
    {
      title: 'Start the containers',
      task: async (ctx, task) => {
        const c = offline(ctx);
        await startStack(c, io(task));
        // The wait below judges the containers' exits from this start on, and joins what starts last.
        if (c.stackStartedAt !== undefined) ctx.stackStartedAt = c.stackStartedAt;
        if (c.startingLast) ctx.startingLast = c.startingLast;
        task.title = 'Started the containers';
      },
    },
    {
      title: 'Wait until it answers',
      task: async (ctx, task) => {
        const c = { ...ctx, answers: { ...ctx.answers, version: ctx.release } };
        const r = await untilReady(c, io(task)).catch(async (e: unknown) => {
          await startedLast(ctx).catch(() => undefined);
          throw e;
        });
        await startedLast(ctx);
        task.title = `${ctx.platform.title} ${r.version ?? ctx.release} answers (after ${r.seconds} s)`;
      },
    },
    {
      title: 'Check that the first admin logs in',
      enabled: (ctx) => Boolean(spec(ctx)?.adminLogin),
      task: async (ctx, task) => {
        const login = spec(ctx)?.adminLogin;
        if (!login) return;
        let last = { ok: false, detail: '' };
        await poll({
          clock: ctx.clock,
          attempts: 10,
          intervalMs: Math.min(2000, ctx.pollIntervalMs * 2),
          attempt: async () => {
            last = await login(ctx, task.signal);
            return last.ok ? { done: true, value: undefined } : { done: false };
          },
        });
        if (!last.ok)
          throw new WizardError(
            `The first admin does not log in after the restore: ${last.detail}.`,
            "The data is back; the admin password in the restored env file does not match the restored database. Read the log, and reset the password with the platform's own tool.",
          );
        task.title = `The first admin logs in (${last.detail})`;
      },
    },
  ];
}
