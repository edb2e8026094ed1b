import { composeCommand } from '../core/compose.js';
import type { InstallContext, RunResult } from '../core/context.js';
import { lastUpArgs, restUpArgs, stagesOf, stageUpArgs } from '../core/start-plan.js';
import { stageProbe } from './stage-probe.js';
import { type WaitIO, waitFor } from './wait.js';

/**
 * The shared compose-up: a stack starts in its platform's order (steps/<platform>: `startOrder`), each stage's
 * services started and waited for (a database until it accepts connections, a one-time helper until it finished)
 * before the next, then the rest. The platforms' own start-up loops ("MongoDB not ready yet, retrying in 5
 * seconds") then never sleep. Without a start order it is one `docker compose up -d`.
 */

export type StackContext = Pick<
  InstallContext,
  | 'platform'
  | 'project'
  | 'projectDir'
  | 'composeFiles'
  | 'files'
  | 'runner'
  | 'http'
  | 'clock'
  | 'log'
  | 'pollIntervalMs'
  | 'readyTimeoutSeconds'
  | 'stackStartedAt'
  | 'startingLast'
> & { answers: Pick<InstallContext['answers'], 'offline'> };

/** The services of the stack that no stage starts: `docker compose config --services` minus the stages'. */
async function restOf(ctx: StackContext, staged: Set<string>, io: WaitIO): Promise<string[] | undefined> {
  const r = await ctx.runner
    .run({
      ...composeCommand(ctx, ['config', '--services']),
      reject: false,
      ...(io.ignoreAbort ? { ignoreAbort: true } : {}),
    })
    .catch(() => undefined);
  if (r?.exitCode !== 0) return undefined;
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((s) => s && !staged.has(s));
}

/**
 * Runs one `up` of a start: its Compose arguments (after the project's), what is appended at run time (the rest's
 * services), and whether its output is shown (not for what starts in the background).
 */
export type StartExec = (
  args: string[],
  opts?: { extraArgs?: string[]; quiet?: boolean },
) => Promise<RunResult>;

/**
 * Starts the stack (or only `services`) in the platform's start order and returns when the last `up` returned;
 * every stage is waited for through the shared wait, so a database that crashes ends the start in seconds.
 * `remedy` names what to do when the start itself fails.
 */
export async function startStack(
  ctx: StackContext,
  io: WaitIO & { services?: string[]; remedy?: string; exec?: StartExec },
): Promise<void> {
  const wanted = io.services?.length ? new Set(io.services) : undefined;
  const stages = stagesOf(ctx.platform, wanted);
  const last = wanted ? [] : (ctx.platform.startLast ?? []);
  const staged = new Set([...stages.flatMap((s) => s.services), ...last]);
  const offline = ctx.answers.offline;
  const signal = io.signal && !io.ignoreAbort ? { signal: io.signal } : {};
  // Each `up` through the caller's hook (an install step runs its declared commands), else the runner.
  const exec: StartExec =
    io.exec ??
    ((args, opts = {}) =>
      ctx.runner.run(
        {
          ...composeCommand(ctx, [...args, ...(opts.extraArgs ?? [])]),
          ...(io.remedy ? { remedy: io.remedy } : {}),
          ...(io.ignoreAbort ? { ignoreAbort: true } : {}),
        },
        { ...signal, ...(opts.quiet ? {} : { onLine: io.output }) },
      ));
  ctx.stackStartedAt = ctx.clock.now();
  // What starts last is known from the compose files: asked while the first stage starts.
  const rest = !wanted && staged.size ? restOf(ctx, staged, io) : Promise.resolve(undefined);
  for (const stage of stages) {
    io.output(`Starting ${stage.title}...`);
    await exec(stageUpArgs(stage, offline));
    if (stage.until.kind === 'started') continue;
    const memo = {};
    const r = await waitFor(
      ctx,
      {
        what: stage.title,
        service: stage.services[0] as string,
        timeoutSeconds: ctx.readyTimeoutSeconds,
        // A port is one connect (cheap, and looked at often); anything else runs Compose or a command each time.
        intervalMs: () =>
          stage.until.kind === 'port'
            ? Math.min(100, ctx.pollIntervalMs)
            : Math.max(250, Math.min(500, ctx.pollIntervalMs)),
        // A stage is up in a second or two: its containers are looked at once it takes longer.
        firstLookMs: 2000,
        timeoutMessage: (seconds, last) => `${stage.title} was not up within ${seconds} s (last: ${last}).`,
        check: () => stageProbe(ctx, stage, io, memo),
        // A one-time helper is meant to stop; one that fails is still named.
        mustRun: stage.until.kind !== 'exited',
        // Only what this stage starts: the rest of the stack (e.g. an app that crashed in an earlier run) waits.
        services: stage.services,
        progress: (seconds, detail) => `${stage.title}: ${seconds} s: ${detail}`,
      },
      // The remedy given is for a failed `up`; a failed stage names its own (its log, known failures).
      { ...io, remedy: undefined },
    );
    ctx.log.info(`start: ${stage.title} up after ${r.seconds} s`);
  }
  if (wanted) {
    const rest = [...wanted].filter((s) => !staged.has(s));
    if (rest.length) await exec(restUpArgs(offline, rest));
    return;
  }
  // The rest in one `up`; --no-deps keeps the finished one-time helpers of the stages from running again.
  const others = await rest;
  await exec(restUpArgs(offline, []), others?.length ? { extraArgs: ['--no-deps', ...others] } : {});
  // What nothing waits for starts last, while the readiness wait runs; the step that waits joins it.
  if (last.length) {
    const starting = exec(lastUpArgs(offline, last), { quiet: true }).then(() => undefined);
    // Handled where it is joined (startedLast); never an unhandled rejection meanwhile.
    starting.catch(() => undefined);
    ctx.startingLast = starting;
  }
}

/** Waits for the services started last (if any), so that a run never ends while they are still starting. */
export async function startedLast(ctx: Pick<InstallContext, 'startingLast'>): Promise<void> {
  const pending = ctx.startingLast;
  ctx.startingLast = undefined;
  await pending;
}
