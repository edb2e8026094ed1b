import { composeCommand } from './compose.js';
import type { InstallContext } from './context.js';
import { CancelledError, WizardError } from './errors.js';
import type { CommandSpec, FileSpec } from './plan.js';
import type { Step, StepInput } from './step.js';

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

/** `docker compose up -d` for the whole stack or some services. */
export function composeUp(
  s: StepInput,
  services: string[] = [],
  title = 'Start the containers',
  description = 'start the containers',
): Step {
  return {
    id: `up${services.length ? `:${services.join(',')}` : ''}`,
    title,
    done: title.replace(/^Start/, 'Started'),
    commands: [
      {
        ...composeCommand(s, [
          'up',
          '-d',
          '--remove-orphans',
          ...(s.answers.offline ? ['--pull', 'never'] : []),
          ...services,
        ]),
        description,
        remedy: s.answers.offline
          ? 'With --offline every image must already be on this host (docker images); load them or drop --offline.'
          : 'Read the error above; `docker compose ps` in the data directory shows the containers.',
      },
    ],
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
      const after = `after ${r.seconds} s`;
      return w.expectVersion
        ? `${ctx.platform.title} ${ctx.readyVersion} answers (${after})`
        : `${w.title.replace(/^Wait until /, '')} (${after})`;
    },
  };
}

/**
 * The polling behind waitHttp, usable inside other tasks (an upgrade's switch and rollback): resolves
 * with the version answered, or throws with the service's last log lines and a remedy.
 */
export async function pollUntilReady(
  ctx: InstallContext,
  w: Omit<HttpWait, 'id' | 'title'>,
  io: { signal?: AbortSignal; output: (line: string) => void; remedy?: string; ignoreAbort?: boolean },
): Promise<{ version?: string; seconds: number }> {
  const url = w.url(ctx);
  const judge = w.judge(ctx);
  const timeout = w.timeoutSeconds?.(ctx) ?? ctx.readyTimeoutSeconds;
  const started = Date.now();
  const deadline = started + timeout * 1000;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (io.signal?.aborted) throw io.signal.reason;
    try {
      const res = await ctx.http.request(url, {
        timeoutMs: 5000,
        ...(io.signal ? { signal: io.signal } : {}),
        ...(io.ignoreAbort ? { ignoreAbort: true } : {}),
      });
      const verdict = judge(res.status, res.body, res.headers ?? {});
      last = verdict.detail;
      if (verdict.ready) {
        if (w.expectVersion && verdict.version && verdict.version !== ctx.answers.version) {
          last = `answers with version ${verdict.version}, expected ${ctx.answers.version}`;
        } else {
          if (w.expectVersion) ctx.readyVersion = verdict.version ?? ctx.answers.version;
          return {
            ...(verdict.version ? { version: verdict.version } : {}),
            seconds: Math.round((Date.now() - started) / 1000),
          };
        }
      }
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      last = e instanceof Error ? e.message : String(e);
    }
    io.output(`${Math.round((Date.now() - started) / 1000)} s: ${last}`);
    const delay = Date.now() - started < 30_000 ? Math.min(100, ctx.pollIntervalMs) : ctx.pollIntervalMs;
    await new Promise((res) => setTimeout(res, delay));
  }
  const service = w.service(ctx);
  const logs = await ctx.runner.run({
    ...composeCommand(ctx, ['logs', '--no-color', '--tail', '30', service]),
    reject: false,
    ...(io.ignoreAbort ? { ignoreAbort: true } : {}),
  });
  const tail = `${logs.stdout}${logs.stderr}`.trim().split('\n').slice(-30).join('\n');
  throw new WizardError(
    `${ctx.platform.title} did not answer at ${url} within ${timeout} s (last: ${last}).\nLast lines of the ${service} container's log:\n${tail}`,
    io.remedy ??
      `Fix what the log shows, then run the same install again: it continues from here. The full log: ${ctx.log.path}`,
  );
}
