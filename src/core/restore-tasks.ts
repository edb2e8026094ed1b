import type { ListrTask } from 'listr2';
import { composeCommand } from './compose.js';
import { WizardError } from './errors.js';
import { startedLast, startStack } from './start.js';
import { archived, shown, type UpgradeContext, untilReady } from './upgrade-tasks.js';
import { waitFor } from './wait.js';

/** What a restore carries: the install context, the backup and the release it holds. */
export interface RestoreContext
  extends Omit<UpgradeContext, 'to' | 'from' | 'noBackup' | 'backupFile' | 'rolledBack'> {
  backup: string;
  /** The release the backup was taken from (it comes back with it). */
  release: string;
}

export function restoreTasks(): ListrTask<RestoreContext>[] {
  return [
    {
      title: 'Restore from the backup',
      task: async (ctx, task) => {
        const spec = ctx.platform.upgrade?.backup;
        // Everything it starts runs the images on this host: a restore never pulls.
        const offline = { ...ctx, answers: { ...ctx.answers, offline: true } };
        const staging = `${ctx.backupDir}/.restore-${ctx.stamp}`;
        const real = ctx.files.real(staging);
        const signal = task.signal ? { signal: task.signal } : {};
        await ctx.files.write({ kind: 'dir', path: staging, mode: 0o700, description: 'restore staging' });
        try {
          task.output = 'Unpacking the backup...';
          await ctx.runner.run({ file: 'tar', args: ['-xzf', ctx.backup, '-C', real] }, signal);
          for (const f of [ctx.envPath, ...ctx.composeFiles.map((c) => `${ctx.projectDir}/${c}`)]) {
            const text = await ctx.files.readText(`${staging}/${archived(f)}`);
            if (text === undefined) continue;
            const secret = f === ctx.envPath;
            await ctx.files.write({
              kind: 'file',
              path: f,
              mode: secret ? 0o600 : 0o644,
              ...(secret ? { secret: true } : {}),
              content: text,
              description: 'restored',
            });
          }
          if (spec) {
            task.output = `Stopping ${spec.stop.join(', ')} so nothing writes during the restore...`;
            await ctx.runner.run(composeCommand(ctx, ['stop', ...spec.stop]), signal);
            // The database alone, in the platform's start order, waited for until it accepts connections.
            const io = {
              ...signal,
              output: (l: string) => {
                task.output = l;
              },
            };
            await startStack(offline, { ...io, services: [spec.service] });
            task.output = `Restoring the database (${shown(spec.restore)})...`;
            const dump = `${real}/${spec.file}`;
            if (!(await ctx.files.exists(`${staging}/${spec.file}`)))
              throw new WizardError(
                `The backup ${ctx.backup} holds no ${spec.file}.`,
                'Choose another backup; this one has only the files.',
              );
            // A database that accepts connections may not take writes yet (a replica set electing its primary).
            let failed = '';
            await waitFor(
              offline,
              {
                what: `The ${spec.service} database`,
                service: spec.service,
                timeoutSeconds: Math.min(120, ctx.readyTimeoutSeconds),
                intervalMs: () => 1000,
                timeoutMessage: (seconds) =>
                  `The database could not be restored within ${seconds} s: ${failed || 'no answer'}`,
                async check() {
                  const r = await ctx.runner.run(
                    {
                      ...composeCommand(ctx, ['exec', '-T', spec.service, ...spec.restore]),
                      stdinFile: dump,
                      reject: false,
                    },
                    signal,
                  );
                  if (r.exitCode === 0) return { done: true, value: undefined };
                  failed =
                    `${r.stderr || r.stdout}`.trim().split('\n').slice(-3).join(' ') ||
                    `exit code ${r.exitCode}`;
                  return { done: false, detail: failed };
                },
              },
              {
                ...io,
                remedy: `The backup is intact: run wizard restore ${ctx.backup} again once the database runs.`,
              },
            );
          }
          await startStack(offline, {
            ...signal,
            output: (l) => {
              task.output = l;
            },
          });
          // The wait below judges the containers' exits from this start on.
          if (offline.stackStartedAt !== undefined) ctx.stackStartedAt = offline.stackStartedAt;
          if (offline.startingLast) ctx.startingLast = offline.startingLast;
        } finally {
          await ctx.runner.run({ file: 'rm', args: ['-rf', '--', real], reject: false, ignoreAbort: true });
        }
        task.title = `Restored the files${spec ? ' and the database' : ''} from ${ctx.backup}`;
      },
    },
    {
      title: 'Wait until it answers',
      task: async (ctx, task) => {
        const c = { ...ctx, answers: { ...ctx.answers, version: ctx.release } };
        const r = await untilReady(c, {
          ...(task.signal ? { signal: task.signal } : {}),
          output: (l) => {
            task.output = l;
          },
        });
        await startedLast(ctx);
        task.title = `${ctx.platform.title} ${r.version ?? ctx.release} answers (after ${r.seconds} s)`;
      },
    },
  ];
}
