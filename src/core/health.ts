import { composeCommand } from './compose.js';
import type { InstallContext } from './context.js';
import { WizardError } from './errors.js';
import type { CommandSpec } from './plan.js';
import type { Step, StepInput } from './step.js';

/** What `docker inspect --format '{{json .State}}'` says about a container (the fields used here). */
export interface ContainerState {
  Status?: string;
  ExitCode?: number;
  StartedAt?: string;
  Health?: { Status?: string; FailingStreak?: number; Log?: { ExitCode?: number; Output?: string }[] };
}

/** A log line without colours, cursor movements or carriage returns (containers with `tty: true` send them). */
export function plainLine(line: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are what is stripped
  return line.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|[\x00-\x08\x0b-\x1f\x7f]/g, '').trim();
}

/**
 * Waits until the readiness service's container reports `healthy` through its Docker HEALTHCHECK: follows the
 * container's log since it started and shows the platform's progress lines; fails early on a `fatal` line or a
 * stopped container, and on timeout with the last log lines and a remedy. Shared by install and upgrade.
 */
export async function untilHealthy(
  ctx: InstallContext,
  io: { signal?: AbortSignal; output: (line: string) => void; timeoutSeconds?: number; remedy?: string },
): Promise<{ seconds: number }> {
  const readiness = ctx.platform.readiness;
  const service = readiness.service;
  const timeout = io.timeoutSeconds ?? ctx.readyTimeoutSeconds;
  const started = Date.now();
  const signal = io.signal ? { signal: io.signal } : {};
  const ids = await ctx.runner.run(composeCommand(ctx, ['ps', '--all', '--quiet', service]), signal);
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
  // Off a terminal every output is a line: show one when something changed, or every 15 s.
  let shown = { text: '', at: 0 };
  const follower = new AbortController();
  let following: Promise<unknown> | undefined;
  const elapsed = () => Math.round((Date.now() - started) / 1000);
  const failure = async (why: string, more = '') => {
    if (lines.length === 0) {
      const logs = await ctx.runner.run({
        ...composeCommand(ctx, ['logs', '--no-color', '--tail', '30', service]),
        reject: false,
      });
      for (const l of `${logs.stdout}\n${logs.stderr}`.split('\n'))
        if (plainLine(l)) lines.push(plainLine(l));
    }
    return new WizardError(
      `${ctx.platform.title} ${why}.\nLast lines of the ${service} container's log:\n${lines.slice(-30).join('\n')}`,
      `${io.remedy ?? 'Fix what the log shows, then run the same install again: it continues from here.'}${more} The full log: ${ctx.log.path}`,
    );
  };
  try {
    let state: ContainerState = {};
    while (Date.now() < started + timeout * 1000) {
      if (io.signal?.aborted) throw io.signal.reason;
      const inspected = await ctx.runner.run(
        { file: 'docker', args: ['inspect', '--format', '{{json .State}}', id], reject: false },
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
            },
            { signal: follower.signal, onLine },
          )
          .catch(() => undefined);
      }
      const health = state.Health?.Status;
      if (health === 'healthy') {
        ctx.readyVersion = ctx.answers.version;
        return { seconds: elapsed() };
      }
      if (state.Status === 'exited' || state.Status === 'dead')
        throw await failure(`stopped: its ${service} container exited with code ${state.ExitCode ?? '?'}`);
      if (state.Status && !state.Health)
        throw await failure(`can't be waited for: the ${service} container has no health check`);
      if (fatal) throw await failure(`failed to start: ${fatal}`);
      const text = `(${health ?? state.Status ?? 'no answer from docker inspect'}): ${progress}`;
      if (text !== shown.text || Date.now() - shown.at >= 15_000) {
        io.output(`${elapsed()} s ${text}`);
        shown = { text, at: Date.now() };
      }
      await new Promise((res) => setTimeout(res, ctx.pollIntervalMs));
    }
    throw await failure(
      `did not become healthy within ${timeout} s (health: ${state.Health?.Status ?? 'unknown'}; last: ${progress})`,
      ' If it is only slow, allow longer: WIZARD_READY_TIMEOUT=SECONDS.',
    );
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
      return `${ctx.platform.title} ${ctx.answers.version} is healthy (after ${r.seconds} s)`;
    },
  };
}
