import { composeCommand } from '../core/compose.js';
import type { InstallContext } from '../core/context.js';
import { WizardError } from '../core/errors.js';
import { plainLine } from '../core/failures.js';
import type { CommandSpec } from '../core/plan.js';
import type { Step, StepInput } from '../core/step.js';
import { type WaitIO, waitFor } from './wait.js';

/** What `docker inspect --format '{{json .State}}'` says about a container (the fields used here). */
export interface ContainerState {
  Status?: string;
  ExitCode?: number;
  StartedAt?: string;
  Health?: { Status?: string; FailingStreak?: number; Log?: { ExitCode?: number; Output?: string }[] };
}

export { plainLine };

/**
 * Waits until the readiness service's container reports `healthy` through its Docker HEALTHCHECK: follows the
 * container's log since it started and shows the platform's progress lines; fails early on a `fatal` line or a
 * stopped container, and on timeout with the last log lines and a remedy. Shared by install and upgrade; the
 * shared wait (src/engine/wait.ts) watches the other containers meanwhile.
 */
export async function untilHealthy(
  ctx: InstallContext,
  io: WaitIO & { timeoutSeconds?: number },
): Promise<{ seconds: number }> {
  const readiness = ctx.platform.readiness;
  const service = readiness.service;
  const timeout = io.timeoutSeconds ?? ctx.readyTimeoutSeconds;
  const signal = io.signal && !io.ignoreAbort ? { signal: io.signal } : {};
  const extra = io.ignoreAbort ? { ignoreAbort: true } : {};
  const ids = await ctx.runner.run(
    { ...composeCommand(ctx, ['ps', '--all', '--quiet', service]), ...extra },
    signal,
  );
  const id = ids.stdout.trim().split('\n')[0] ?? '';
  if (id === '')
    throw new WizardError(
      `The ${service} container does not exist.`,
      'Run the same install again: it starts the containers.',
    );

  const lines: string[] = [];
  let progress = 'waiting for its log';
  let fatal: string | undefined;
  const onLine = (raw: string) => {
    const line = plainLine(raw);
    if (line === '') return;
    lines.push(line);
    if (lines.length > 30) lines.shift();
    if (readiness.health?.fatal?.test(line)) fatal ??= line;
    const picked = readiness.health?.progress ? readiness.health.progress(line) : line;
    if (picked) progress = picked;
  };
  const follower = new AbortController();
  let following: Promise<unknown> | undefined;
  let state: ContainerState = {};
  const failure = (why: string) => ({
    done: false as const,
    detail: why,
    failed: `${ctx.platform.title} ${why}`,
  });
  try {
    const r = await waitFor(
      ctx,
      {
        what: `${ctx.platform.title} ${ctx.answers.version}`,
        service,
        timeoutSeconds: timeout,
        intervalMs: () => ctx.pollIntervalMs,
        timeoutMessage: (seconds) =>
          `${ctx.platform.title} did not become healthy within ${seconds} s (health: ${state.Health?.Status ?? 'unknown'}; last: ${progress})`,
        log: () => lines.slice(-30).join('\n'),
        timeoutHint: 'If it is only slow, allow longer: WIZARD_READY_TIMEOUT=SECONDS.',
        progress: (seconds) =>
          `${seconds} s (${state.Health?.Status ?? state.Status ?? 'no answer from docker inspect'}): ${progress}`,
        async check() {
          const inspected = await ctx.runner.run(
            { file: 'docker', args: ['inspect', '--format', '{{json .State}}', id], reject: false, ...extra },
            signal,
          );
          try {
            state = JSON.parse(inspected.stdout) as ContainerState;
          } catch {
            state = {};
          }
          if (!following && state.StartedAt) {
            following = ctx.runner
              .run(
                {
                  ...composeCommand(ctx, [
                    'logs',
                    '--follow',
                    '--no-color',
                    '--no-log-prefix',
                    '--since',
                    state.StartedAt,
                    service,
                  ]),
                  reject: false,
                  ...extra,
                },
                { signal: follower.signal, onLine },
              )
              .catch(() => undefined);
          }
          if (state.Health?.Status === 'healthy') return { done: true, value: undefined };
          if (state.Status === 'exited' || state.Status === 'dead')
            return failure(`stopped: its ${service} container exited with code ${state.ExitCode ?? '?'}`);
          if (state.Status && !state.Health)
            return failure(`can't be waited for: the ${service} container has no health check`);
          if (fatal) return failure(`failed to start: ${fatal}`);
          return { done: false, detail: progress };
        },
      },
      io,
    );
    ctx.readyVersion = ctx.answers.version;
    return { seconds: r.seconds };
  } finally {
    follower.abort();
    await following;
  }
}

/**
 * The install's wait for platforms whose first start takes minutes (Readiness.health): `untilHealthy` as a
 * journalled step. The review lists its first command; the rest (docker inspect, the log) are its polls.
 */
export function waitHealthy(s: StepInput, title = 'Wait until the containers are healthy'): Step {
  const service = s.platform.readiness.service;
  const ps: CommandSpec = {
    ...composeCommand(s, ['ps', '--all', '--quiet', service]),
    description: `until the ${service} container is healthy (docker inspect; its log shows the progress)`,
    poll: true,
  };
  return {
    id: 'ready',
    title,
    commands: [ps],
    async run(ctx, io) {
      const r = await untilHealthy(ctx, {
        ...(io.signal ? { signal: io.signal } : {}),
        output: io.output,
      });
      // What starts last is joined by the install once its last step is done (src/commands/install/run.ts).
      return `${ctx.platform.title} ${ctx.answers.version} is healthy (after ${r.seconds} s)`;
    },
  };
}
