import type { InstallContext, Journal } from '../../core/context.js';
import { CancelledError, StepFailedError, WizardError } from '../../core/errors.js';
import { environmentalError } from '../../core/fs-errors.js';
import type { Plan } from '../../core/plan.js';
import type { InstallAnswers, Platform } from '../../core/platform.js';
import type { Step } from '../../core/step.js';
import { startedLast } from '../../engine/start.js';
import { stepTask } from '../../engine/step-task.js';
import { RunProgress } from '../../system/progress.js';
import type { InstallRecord } from '../../system/state.js';
import { systemClock } from '../../system/timer.js';
import type { Deps } from '../deps.js';
import { type ReadinessRecord, withAttempt } from '../readiness.js';
import { taskList } from '../task-list.js';

/** The install's run phase: the state record written before anything changes, then the task tree. */

/** Records the install (status "installing" until it answers) before the first change. */
export async function recordInstall(
  deps: Deps,
  platform: Platform,
  answers: InstallAnswers,
  record: InstallRecord | undefined,
  project: string,
  hostFixes: Partial<ReadinessRecord>,
): Promise<void> {
  const state = deps.state();
  const now = new Date().toISOString();
  await state.put({
    name: answers.name,
    platform: platform.id,
    domain: answers.domain,
    email: answers.email,
    dataDir: answers.dataDir,
    release: record?.release ?? answers.version,
    tls: answers.tls,
    port: answers.port,
    repoUrl: answers.repoUrl,
    project,
    composeFiles: platform.composeFiles,
    status: record?.status === 'installed' ? 'installed' : 'installing',
    journal: record?.journal ?? {},
    createdAt: record?.createdAt ?? now,
    updatedAt: now,
    ...(record?.installedAt ? { installedAt: record.installedAt } : {}),
    extra: Object.fromEntries(
      Object.entries(answers.extra).filter(([k]) => !platform.questions.find((q) => q.key === k)?.secret),
    ),
    ...(record?.readiness || Object.keys(hostFixes).length
      ? {
          readiness: {
            ...record?.readiness,
            ...hostFixes,
            ...(hostFixes.firewall
              ? { firewall: [...(record?.readiness?.firewall ?? []), ...hostFixes.firewall] }
              : {}),
          },
        }
      : {}),
  });
}

/** Runs the plan's steps as a task tree; a failure is recorded and names the step. Returns the version that answered. */
export async function runInstall(
  deps: Deps,
  platform: Platform,
  answers: InstallAnswers,
  record: InstallRecord | undefined,
  setup: {
    plan: Plan;
    steps: Step[];
    project: string;
    proxyProject: string;
    dryRun: boolean;
    keptData?: boolean;
  },
): Promise<InstallContext> {
  const { term, log } = deps;
  const state = deps.state();
  const { plan, project, proxyProject: proxyProj } = setup;
  const resolved = { dryRun: setup.dryRun };
  const ctx: InstallContext = {
    ...(setup.keptData ? { keptData: true } : {}),
    answers,
    platform,
    plan,
    project,
    proxyProject: proxyProj,
    projectDir: answers.dataDir,
    composeFiles: platform.composeFiles,
    dryRun: resolved.dryRun,
    runner: deps.runner,
    files: deps.files,
    http: deps.http,
    log,
    journal: journalFor(deps, answers.name, record),
    probe: deps.probe,
    templates: deps.templates,
    notes: [],
    readyTimeoutSeconds: deps.env.readyTimeoutSeconds ?? platform.readiness.timeoutSeconds,
    pollIntervalMs: deps.env.pollIntervalMs,
    clock: systemClock,
  };
  // Progress goes to stderr, whichever renderer draws it: stdout is for the summary. It also goes to the log
  // and to STATE_DIR/run-progress.json (wizard status, a second wizard waiting for this one).
  const progress = resolved.dryRun ? undefined : new RunProgress(deps.env.stateDir, 'install', log);
  progress?.begin(`install ${answers.name} (${platform.title} ${answers.version})`);
  const tasks = await taskList(setup.steps.map(stepTask), ctx, term, (t) => deps.log.redact(t), progress);
  try {
    await tasks.run();
    // The services the start order starts last (exporters) started while the last steps ran.
    await startedLast(ctx);
  } catch (e) {
    // Never leave them half started behind a failure: they end first, the failure is the news.
    await startedLast(ctx).catch(() => undefined);
    progress?.end(false, e instanceof Error ? e.message : String(e));
    const failed = tasks.tasks.find((t) => t.hasFailed());
    const step = failed?.title ?? 'install';
    // A full or read-only disk may refuse this record too: the step's own error is the one to show.
    if (!resolved.dryRun)
      await state
        .update(answers.name, {
          status: record?.status === 'installed' ? 'installed' : 'failed',
          lastError: deps.log.redact(`${step}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`),
          ...(answers.tls === 'letsencrypt'
            ? { readiness: withAttempt(state.get(answers.name)?.readiness, false) }
            : {}),
        })
        .catch((recordErr: unknown) =>
          log.warn(`could not record the failure in the state: ${String(recordErr)}`),
        );
    if (e instanceof CancelledError) throw e;
    const cause = environmentalError(e, { asRoot: process.getuid?.() === 0 }) ?? e;
    const remedy =
      cause instanceof WizardError && cause.remedy
        ? cause.remedy
        : 'Fix the cause above, then run the same command again: finished steps are kept.';
    throw new StepFailedError(step, cause, remedy);
  }
  if (resolved.dryRun) {
    term.stderr.write('Dry run: nothing was changed.\n');
    return ctx;
  }
  progress?.end(
    true,
    `${platform.title} ${ctx.readyVersion ?? answers.version} is installed as ${answers.name}`,
  );
  await state.update(answers.name, {
    status: 'installed',
    release: ctx.readyVersion ?? answers.version,
    lastError: undefined,
    installedAt: record?.installedAt ?? new Date().toISOString(),
    ...(answers.tls === 'letsencrypt'
      ? { readiness: withAttempt(state.get(answers.name)?.readiness, true) }
      : {}),
  });

  return ctx;
}

function journalFor(deps: Deps, name: string, record: InstallRecord | undefined): Journal {
  const completed = new Set(Object.keys(record?.journal ?? {}));
  return {
    completed,
    async done(step) {
      completed.add(step);
      const r = deps.state().get(name);
      if (r) await deps.state().update(name, { journal: { ...r.journal, [step]: new Date().toISOString() } });
    },
  };
}
