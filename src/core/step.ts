import type { ListrTask, ListrTaskWrapper } from 'listr2';
import { lookupSystemUser } from '../engine/user-step.js';
import type { FileStore, InstallContext, RunResult, WriteOutcome } from './context.js';
import { WizardError } from './errors.js';
import { type CommandSpec, type FileSpec, formatCommand, formatMode, isHttp } from './plan.js';
import type { InstallAnswers, Platform } from './platform.js';

/**
 * A step declares what it writes and runs once, as data; the review lists it, `--dry-run` names it
 * ("[dry run] would run: ..."), and the run hands the same objects to the runner. A step with conditions
 * (run this only on an empty database) decides at run time, but can only run what it declared.
 * [np builds its "[Preview] Command not executed" from the command it runs]
 */

/** What a step's declaration reads: the answers, the install's names and the facts read before the plan. */
export interface StepInput {
  answers: InstallAnswers;
  platform: Platform;
  project: string;
  /** The compose project name of the shared proxy. */
  proxyProject: string;
  /** Logical path of the compose project directory (the clone). */
  projectDir: string;
  composeFiles: string[];
  files: Pick<FileStore, 'real'>;
  /** The files the plan writes, with their content. */
  planFiles: FileSpec[];
  /** Text of the files that existed before the run among those the plan read (its files, the env file, /etc/passwd). */
  existing: Record<string, string | undefined>;
  /** Paths that existed before the run among those the plan looked at (its folders, the data dir and its .git). */
  existingPaths: ReadonlySet<string>;
  /** Steps an earlier run finished (the journal). */
  completed: ReadonlySet<string>;
}

/** How a step's run may use one of its declared commands. */
export interface ExecOptions {
  input?: string;
  /** Throw on a non-zero exit (default true). */
  reject?: boolean;
  timeoutMs?: number;
  /** The output holds a secret: neither logged nor shown as progress. */
  secretOutput?: boolean;
  /** Appended to the command's args: only for a command that declares `extraArgs` (what they are, in words). */
  extraArgs?: string[];
  /** Its output is not shown as the step's progress (it runs in the background). */
  quiet?: boolean;
}

/** What a step's run gets: its own commands and files, progress, and the abort signal. */
export interface StepIO {
  readonly signal?: AbortSignal;
  output(line: string): void;
  /** Runs one of the step's declared commands through the runner; any other command is refused. */
  run(cmd: CommandSpec, opts?: ExecOptions): Promise<RunResult>;
  /** Writes one of the step's declared files (its system user's ids looked up in /etc/passwd). */
  write(spec: FileSpec): Promise<WriteOutcome>;
}

export interface Step {
  /** The journal's name for it. */
  id: string;
  title: string;
  /** Files of the plan it writes (the default run writes them first). */
  files?: FileSpec[];
  /** Commands it runs, in order, each with its condition (the default run runs them all). */
  commands?: CommandSpec[];
  /** The title once done, for the default run. */
  done?: string;
  /** A run with conditions or polling; it returns the title once done. */
  run?: (ctx: InstallContext, io: StepIO) => Promise<string | undefined>;
  /** Keep the step's output on screen after it finishes (e.g. DNS records to set). */
  persistentOutput?: boolean;
}

/** Every command of the steps, in the order they run: the plan's commands. */
export function stepCommands(steps: Step[]): CommandSpec[] {
  return steps.flatMap((s) => s.commands ?? []);
}

/** A declared command as the review and the dry run show it (its condition after a #). */
export function commandLine(c: CommandSpec): string {
  const note = [
    c.when ?? (c.poll ? `repeated ${c.description}` : undefined),
    c.extraArgs ? `its arguments end with ${c.extraArgs}` : undefined,
  ]
    .filter(Boolean)
    .join('; ');
  return `${formatCommand(c)}${note ? `  # ${note}` : ''}`;
}

/** What `--dry-run` says for a step instead of running it. */
export function dryRunLines(step: Step, real: (path: string) => string): string[] {
  const lines = [
    ...(step.files ?? []).map(
      (f) =>
        `[dry run] would write: ${real(f.path)}${f.kind === 'dir' ? '/' : ''} (${formatMode(f.secret ? 0o600 : f.mode)})`,
    ),
    ...(step.commands ?? []).map((c) => `[dry run] would run: ${commandLine(c)}`),
  ];
  if (lines.length > 0) return lines;
  return [`[dry run] would ${step.title.charAt(0).toLowerCase()}${step.title.slice(1)}`];
}

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
