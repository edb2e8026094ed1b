import type { FileStore, InstallContext, RunResult, WriteOutcome } from './context.js';
import { type CommandSpec, type FileSpec, formatCommand, formatMode } from './plan.js';
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
