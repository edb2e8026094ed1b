import { composeCommand } from '../core/compose.js';
import type { InstallContext } from '../core/context.js';
import type { CommandSpec, FileSpec } from '../core/plan.js';
import { startCommands } from '../core/start-plan.js';
import type { Step, StepInput } from '../core/step.js';
import { startStack } from './start.js';
import { type WaitIO, waitFor } from './wait.js';

export { cloneRepo } from './clone-step.js';
export { ensureSystemUser } from './user-step.js';

/**
 * Shared step declarations every platform builds its install from (see step.ts): each says once what it
 * writes and runs, for the review, the dry run and the run. They reach the world only through the
 * context's runner, file store and HTTP client, so the fake runner drives them in tests.
 */

/** Writes the plan's files under a path prefix (atomically; env files merged; secrets 0600). */
export function writeFiles(s: StepInput, title: string, prefix: string): Step {
  const files: FileSpec[] = s.planFiles.filter((f) => f.path === prefix || f.path.startsWith(`${prefix}/`));
  return {
    id: `files:${title}`,
    title,
    files,
    async run(_ctx, io) {
      const outcomes = [];
      for (const spec of files) outcomes.push(await io.write(spec));
      const changed = outcomes.filter((o) => o !== 'unchanged').length;
      return `${title.replace(/^Write/, 'Wrote')} (${changed} changed, ${outcomes.length - changed} unchanged)`;
    },
  };
}

/** Pulls every image of the install, showing Compose's progress lines; with --offline there is no such step. */
export function pullImages(s: StepInput): Step[] {
  if (s.answers.offline) return [];
  return [
    {
      id: 'pull',
      title: 'Pull images',
      done: 'Pulled images',
      commands: [
        {
          ...composeCommand(s, ['pull']),
          description: 'pull images',
          remedy: 'Check that this server reaches the image registry, or load the images and pass --offline.',
        },
      ],
    },
  ];
}

/**
 * Starts the whole stack or some services through the shared compose-up (src/engine/start.ts): in the platform's
 * start order, each stage waited for, then the rest.
 */
export function composeUp(
  s: StepInput,
  services: string[] = [],
  title = 'Start the containers',
  /** The review's words for a start without stages (one `up`). */
  description?: string,
): Step {
  const remedy = s.answers.offline
    ? 'With --offline every image must already be on this host (docker images); load them or drop --offline.'
    : 'Read the error above; `docker compose ps` in the data directory shows the containers.';
  const declared = startCommands(s, s.platform, s.answers.offline, services);
  const commands = declared.map((c) => ({
    ...c,
    ...(description && declared.length === 1 ? { description } : {}),
    remedy,
  }));
  return {
    id: `up${services.length ? `:${services.join(',')}` : ''}`,
    title,
    commands,
    async run(ctx, io) {
      await startStack(ctx, {
        ...(io.signal ? { signal: io.signal } : {}),
        output: io.output,
        services,
        remedy,
        // Each `up` is one of the declared commands (the rest's services, known at run time, as its extra args).
        exec(args, opts = {}) {
          const key = composeCommand(ctx, args).args.join('\0');
          const cmd = commands.find((c) => c.args.join('\0') === key);
          if (!cmd) throw new Error(`the start ran an \`up\` it did not declare: ${args.join(' ')}`);
          return io.run(cmd, {
            ...(opts.extraArgs?.length ? { extraArgs: opts.extraArgs } : {}),
            ...(opts.quiet ? { quiet: true } : {}),
          });
        },
      });
      return title.replace(/^Start/, 'Started');
    },
  };
}

/** Polls the platform's readiness endpoint on 127.0.0.1 until it answers with the expected version. */
export function waitReady(s: StepInput): Step {
  const r = s.platform.readiness;
  return waitHttp({
    id: 'ready',
    title: 'Wait until the platform answers',
    url: `http://127.0.0.1:${r.port?.(s.answers) ?? s.answers.port}${r.path}`,
    judge: r.judge,
    service: r.service,
    expectVersion: true,
    until: `until ${s.platform.title} ${s.answers.version} answers`,
  });
}

export interface HttpWait {
  id: string;
  title: string;
  url: (ctx: InstallContext) => string;
  judge: (
    ctx: InstallContext,
  ) => (
    status: number,
    body: string,
    headers?: Record<string, string>,
  ) => { ready: boolean; version?: string; detail: string };
  /** The service whose log tail explains a timeout. */
  service: (ctx: InstallContext) => string;
  /** Require the answered version to be the one being installed, and record it as ctx.readyVersion. */
  expectVersion?: boolean;
  timeoutSeconds?: (ctx: InstallContext) => number;
}

/**
 * Polls an HTTP endpoint until the judge says ready, showing elapsed time and the last answer; on timeout,
 * fails with the last log lines of the service and a remedy. Polls every 100 ms for the first half
 * minute (a start is usually seconds), then backs off to the configured interval.
 */
export function waitHttp(w: {
  id: string;
  title: string;
  url: string;
  judge: ReturnType<HttpWait['judge']>;
  service: string;
  expectVersion?: boolean;
  /** What the review says the poll waits for ("until the streaming API answers"). */
  until: string;
}): Step {
  const get: CommandSpec = { file: 'GET', args: [w.url], description: w.until, poll: true };
  return {
    id: w.id,
    title: w.title,
    commands: [get],
    async run(ctx, io) {
      const r = await pollUntilReady(
        ctx,
        {
          url: () => w.url,
          judge: () => w.judge,
          service: () => w.service,
          ...(w.expectVersion ? { expectVersion: true } : {}),
        },
        { ...(io.signal ? { signal: io.signal } : {}), output: io.output },
      );
      // The services the start order starts last (e.g. exporters) may still be starting: the install joins them
      // once its last step is done (src/commands/install/run.ts), so the steps after this one run meanwhile.
      const after = `after ${r.seconds} s`;
      return w.expectVersion
        ? `${ctx.platform.title} ${ctx.readyVersion} answers (${after})`
        : `${w.title.replace(/^Wait until /, '')} (${after})`;
    },
  };
}

/**
 * The polling behind waitHttp, usable inside other tasks (an upgrade's switch and rollback): resolves with the
 * version answered, or throws with the service's last log lines and a remedy. The shared wait (src/engine/wait.ts)
 * watches the containers meanwhile, so a crash ends it in seconds, not at the timeout.
 */
export async function pollUntilReady(
  ctx: InstallContext,
  w: Omit<HttpWait, 'id' | 'title'>,
  io: WaitIO,
): Promise<{ version?: string; seconds: number }> {
  const url = w.url(ctx);
  const judge = w.judge(ctx);
  const timeout = w.timeoutSeconds?.(ctx) ?? ctx.readyTimeoutSeconds;
  const r = await waitFor<string | undefined>(
    ctx,
    {
      what: `${ctx.platform.title} ${ctx.answers.version}`,
      service: w.service(ctx),
      timeoutSeconds: timeout,
      timeoutMessage: (seconds, last) =>
        `${ctx.platform.title} did not answer at ${url} within ${seconds} s (last: ${last}).`,
      async check(signal) {
        const res = await ctx.http.request(url, {
          timeoutMs: 5000,
          ...(signal ? { signal } : {}),
          ...(io.ignoreAbort ? { ignoreAbort: true } : {}),
        });
        const verdict = judge(res.status, res.body, res.headers ?? {});
        if (!verdict.ready) return { done: false, detail: verdict.detail };
        if (w.expectVersion && verdict.version && verdict.version !== ctx.answers.version)
          return {
            done: false,
            detail: `answers with version ${verdict.version}, expected ${ctx.answers.version}`,
          };
        return { done: true, value: verdict.version };
      },
    },
    io,
  );
  if (w.expectVersion) ctx.readyVersion = r.value ?? ctx.answers.version;
  return { ...(r.value ? { version: r.value } : {}), seconds: r.seconds };
}
