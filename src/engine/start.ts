import { composeCommand, parseComposePs } from '../core/compose.js';
import type { InstallContext, RunResult } from '../core/context.js';
import type { StartStage } from '../core/platform.js';
import { lastUpArgs, restUpArgs, stagesOf, stageUpArgs } from '../core/start-plan.js';
import { type Probe, type WaitIO, waitFor } from './wait.js';

/**
 * The shared compose-up: a stack starts in its platform's order (steps/<platform>: `startOrder`), each stage's
 * services started and waited for (a database until it accepts connections, a one-time helper until it finished)
 * before the next, then the rest. The platforms' own start-up loops ("MongoDB not ready yet, retrying in 5
 * seconds") then never sleep. Without a start order it is one `docker compose up -d`.
 */

type StackContext = Pick<
  InstallContext,
  | 'platform'
  | 'project'
  | 'projectDir'
  | 'composeFiles'
  | 'files'
  | 'runner'
  | 'clock'
  | 'log'
  | 'pollIntervalMs'
  | 'readyTimeoutSeconds'
  | 'stackStartedAt'
  | 'startingLast'
> & { answers: Pick<InstallContext['answers'], 'offline'> };

/** One look at a stage: are its containers done (finished, healthy, or answering a command)? */
async function stageProbe(ctx: StackContext, stage: StartStage, io: WaitIO): Promise<Probe<undefined>> {
  const extra = io.ignoreAbort ? { ignoreAbort: true } : {};
  const signal = io.signal && !io.ignoreAbort ? { signal: io.signal } : {};
  const u = stage.until;
  if (u.kind === 'exec') {
    const r = await ctx.runner.run(
      {
        ...composeCommand(ctx, ['exec', '-T', u.service, ...u.command]),
        reject: false,
        timeoutMs: 15_000,
        ...extra,
      },
      signal,
    );
    if (r.exitCode === 0) return { done: true, value: undefined };
    const why = `${r.stdout}\n${r.stderr}`.trim().split('\n').pop() || `exit code ${r.exitCode}`;
    return { done: false, detail: why };
  }
  const ps = await ctx.runner.run(
    {
      ...composeCommand(ctx, ['ps', '--all', '--format', 'json', ...stage.services]),
      reject: false,
      ...extra,
    },
    signal,
  );
  const rows = parseComposePs(ps.stdout).filter((c) => stage.services.includes(c.service));
  const missing = stage.services.filter((s) => !rows.some((c) => c.service === s));
  if (missing.length) return { done: false, detail: `no container for ${missing.join(', ')} yet` };
  const pending = rows.filter((c) =>
    u.kind === 'exited' ? !(c.state === 'exited' && (c.exitCode ?? 0) === 0) : c.health !== 'healthy',
  );
  if (pending.length === 0) return { done: true, value: undefined };
  return {
    done: false,
    detail: pending.map((c) => `${c.service} ${c.state}${c.health ? ` (${c.health})` : ''}`).join(', '),
  };
}

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
    const r = await waitFor(
      ctx,
      {
        what: stage.title,
        service: stage.services[0] as string,
        timeoutSeconds: ctx.readyTimeoutSeconds,
        intervalMs: () => Math.max(250, Math.min(500, ctx.pollIntervalMs)),
        // A stage is up in a second or two: its containers are looked at once it takes longer.
        firstLookMs: 2000,
        timeoutMessage: (seconds, last) => `${stage.title} was not up within ${seconds} s (last: ${last}).`,
        check: () => stageProbe(ctx, stage, io),
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
