import type { ListrTask } from 'listr2';
import { proxy } from '../../steps/index.js';
import type { InstallContext } from '../core/context.js';
import type { Platform } from '../core/platform.js';
import type { InstallRecord } from '../system/state.js';
import { systemClock } from '../system/timer.js';
import type { Terminal } from '../ui/screens.js';
import type { Deps } from './deps.js';
import { answersOfRecord } from './record.js';

/**
 * A listr2 task list as every command runs it: progress on stderr whichever renderer draws it (stdout
 * is for results), the default renderer on a terminal and the simple one otherwise, no signal handlers
 * of its own (src/main.tsx owns Ctrl-C).
 */
export async function taskList<Ctx>(
  tasks: ListrTask<Ctx>[],
  ctx: Ctx,
  term: Terminal,
  redact?: (text: string) => string,
  progress?: { observe(tasks: unknown[]): void },
) {
  const [{ Listr, ListrLogger, ProcessOutput }, { LogRenderer }] = await Promise.all([
    import('listr2'),
    import('../ui/log-renderer.js'),
  ]);
  // A task's output and error lines can quote a command's output: they pass the run's redactor too.
  const stderr = redact ? redacting(term.stderr, redact) : term.stderr;
  const processOutput = new ProcessOutput(stderr, stderr);
  const logger = new ListrLogger({ processOutput, useIcons: true });
  // Off a terminal: a line per task state change and a "still waiting" line at most every 10 s.
  const list = new Listr<Ctx>(tasks, {
    ctx,
    exitOnError: true,
    registerSignalListeners: false,
    renderer: term.interactive ? 'default' : LogRenderer,
    fallbackRenderer: LogRenderer,
    rendererOptions: term.interactive
      ? { collapseSubtasks: false, showErrorMessage: false, logger }
      : { logger },
    fallbackRendererOptions: { logger },
    processOutput,
  } as unknown as ConstructorParameters<typeof Listr<Ctx>>[1]);
  // The run's progress also goes to its log and to `wizard status` (src/system/progress.ts), terminal or not.
  progress?.observe(list.tasks);
  return list;
}

/**
 * The stream with every string written to it redacted first (the rest of it as it is). listr2 hijacks `write`
 * while it draws (it assigns its own and later puts back the one it found): that assignment stays on this
 * wrapper, so the real stream is never patched and the redacting write never ends up calling itself.
 */
export function redacting(stream: NodeJS.WriteStream, redact: (text: string) => string): NodeJS.WriteStream {
  const write = (chunk: unknown, ...rest: unknown[]) =>
    (stream.write as (...a: unknown[]) => boolean).call(
      stream,
      typeof chunk === 'string' ? redact(chunk) : chunk,
      ...rest,
    );
  let assigned: unknown;
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === 'write') return assigned ?? write;
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
    set(target, prop, value) {
      if (prop !== 'write') return Reflect.set(target, prop, value, target);
      assigned = value === write ? undefined : value;
      return true;
    },
  });
}

/** The task context of an existing install (upgrade, restore), from its state record. */
export function recordContext(deps: Deps, record: InstallRecord, platform: Platform): InstallContext {
  const answers = answersOfRecord(record);
  return {
    answers,
    platform,
    plan: { files: [], commands: [] },
    project: record.project,
    proxyProject: proxy.project(deps.env.projectName),
    projectDir: record.dataDir,
    composeFiles: record.composeFiles,
    dryRun: false,
    runner: deps.runner,
    files: deps.files,
    http: deps.http,
    log: deps.log,
    journal: { completed: new Set(), done: () => undefined },
    notes: [],
    readyTimeoutSeconds: deps.env.readyTimeoutSeconds ?? platform.readiness.timeoutSeconds,
    pollIntervalMs: deps.env.pollIntervalMs,
    clock: systemClock,
  };
}

export const stampNow = () =>
  new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
