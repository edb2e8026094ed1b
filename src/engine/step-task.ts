import type { ListrTask, ListrTaskWrapper } from 'listr2';
import type { InstallContext } from '../core/context.js';
import { WizardError } from '../core/errors.js';
import { formatCommand, isHttp } from '../core/plan.js';
import { dryRunLines, type Step, type StepIO } from '../core/step.js';
import { lookupSystemUser } from './user-step.js';

/** A declared step (src/core/step.ts) as a listr2 task: the run, the dry run's skip, the journal. */
// biome-ignore lint/suspicious/noExplicitAny: listr2's wrapper is generic over renderers we do not constrain
type Task = ListrTaskWrapper<InstallContext, any, any>;

/** The step as a listr2 task: dry runs skip it naming what it would do; completed steps are journaled. */
export function stepTask(step: Step): ListrTask<InstallContext> {
  return {
    title: step.title,
    ...(step.persistentOutput ? { rendererOptions: { persistentOutput: true } } : {}),
    task: async (ctx, task) => {
      if (ctx.dryRun) {
        task.skip(dryRunLines(step, (p) => ctx.files.real(p)).join('\n'));
        return;
      }
      ctx.log.info(`step ${step.id}: started`);
      const io = stepIO(step, ctx, task);
      const doneTitle = await (step.run ?? defaultRun(step))(ctx, io);
      await ctx.journal.done(step.id);
      ctx.log.info(`step ${step.id}: done`);
      if (typeof doneTitle === 'string') task.title = doneTitle;
    },
  };
}

function stepIO(step: Step, ctx: InstallContext, task: Task): StepIO {
  const output = (line: string) => {
    task.output = line;
  };
  return {
    ...(task.signal ? { signal: task.signal } : {}),
    output,
    run(cmd, opts = {}) {
      if (!step.commands?.includes(cmd) || isHttp(cmd))
        throw new Error(`step ${step.id} runs a command it did not declare: ${formatCommand(cmd)}`);
      if (opts.extraArgs?.length && !cmd.extraArgs)
        throw new Error(`step ${step.id} adds arguments ${formatCommand(cmd)} does not declare`);
      const { file, cwd, remedy, env } = cmd;
      const args = [...cmd.args, ...(opts.extraArgs ?? [])];
      return ctx.runner.run(
        {
          file,
          args,
          ...(cwd ? { cwd } : {}),
          ...(env ? { env } : {}),
          ...(remedy ? { remedy } : {}),
          ...(opts.input !== undefined ? { input: opts.input } : {}),
          ...(opts.reject === false ? { reject: false } : {}),
          ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
          ...(opts.secretOutput ? { secretOutput: true } : {}),
        },
        { signal: task.signal, ...(opts.secretOutput || opts.quiet ? {} : { onLine: output }) },
      );
    },
    async write(spec) {
      if (!step.files?.includes(spec))
        throw new Error(`step ${step.id} writes a file it did not declare: ${spec.path}`);
      return ctx.files.write(spec.user ? { ...spec, owner: await systemUserOwner(ctx, spec.user) } : spec);
    },
  };
}

/** Writes the step's files, then runs its commands in order. */
function defaultRun(step: Step): NonNullable<Step['run']> {
  return async (_ctx, io) => {
    for (const f of step.files ?? []) await io.write(f);
    for (const c of step.commands ?? []) await io.run(c);
    return step.done;
  };
}

async function systemUserOwner(ctx: InstallContext, name: string): Promise<{ uid: number; gid: number }> {
  const owner = await lookupSystemUser(ctx, name);
  if (owner) return owner;
  throw new WizardError(
    `The system user ${name} does not exist (${ctx.files.real('/etc/passwd')}).`,
    'Run the same install again: it creates the user before writing its files.',
  );
}
