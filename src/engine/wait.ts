import { composeCommand } from '../core/compose.js';
import {
  type ContainerFailure,
  emptyMemory,
  judgeContainers,
  observeContainers,
  type WatchMemory,
} from '../core/containers.js';
import type { InstallContext } from '../core/context.js';
import { matchLogs } from '../core/doctor.js';
import { CancelledError, WizardError } from '../core/errors.js';
import { logPatternsOf, plainLine } from '../core/failures.js';
import { poll } from './poll.js';

/**
 * The one wait every step uses (readiness, first admin, an upgrade's switch and rollback, restore, settle, doctor
 * --fix, a database in the start order): it checks the endpoint AND watches the install's containers. A container
 * that exits with an error and stays down, restarts repeatedly, is OOM-killed or reports unhealthy past its start
 * period ends the wait at once, with its last log lines and the remedy of any known failure they match (the same
 * patterns as `wizard doctor`). A slow but alive start gets the whole timeout.
 */

export type WaitContext = Pick<
  InstallContext,
  | 'runner'
  | 'clock'
  | 'log'
  | 'platform'
  | 'project'
  | 'projectDir'
  | 'composeFiles'
  | 'files'
  | 'pollIntervalMs'
  | 'stackStartedAt'
>;

/**
 * One look at what is waited for: done with its value, or why not yet; `failed` ends the wait at once with that
 * message (e.g. "Chatmail relay failed to start: ...").
 */
export type Probe<T> = { done: true; value: T } | { done: false; detail: string; failed?: string };

export interface WaitIO {
  signal?: AbortSignal;
  output: (line: string) => void;
  /** Keeps waiting after Ctrl-C or SIGTERM: a rollback must be able to finish. */
  ignoreAbort?: boolean;
  /** Replaces the default remedy ("fix what the log shows, then run the same install again"). */
  remedy?: string;
}

export interface WaitSpec<T> {
  /** Who is waited for, as a container failure names it: "Rocket.Chat 8.0.1", "MongoDB". */
  what: string;
  /** One look; an error thrown is "not yet" (its message is the detail), except a cancellation. */
  check: (signal: AbortSignal | undefined) => Promise<Probe<T>>;
  timeoutSeconds: number;
  /** The service whose log explains a timeout; it must keep running. */
  service: string;
  /** The error on timeout, given the seconds and the last detail (the log tail and remedy are added). */
  timeoutMessage: (seconds: number, last: string) => string;
  /** Added to the remedy on timeout (e.g. how to allow longer). */
  timeoutHint?: string;
  /** Pause between two checks (default: 100 ms for the first 30 s, then the poll interval). */
  intervalMs?: (elapsedMs: number) => number;
  /** Watch the install's containers (default true). */
  watch?: boolean;
  /** `service` must keep running: its stopping ends the wait, even with exit code 0 (default true). */
  mustRun?: boolean;
  /** Judge only these services' containers (default: every container of the install). */
  services?: string[];
  /** The first look at the containers comes this long after the wait began (default 1 s: most waits end sooner). */
  firstLookMs?: number;
  /** The log lines that explain a failure, when the check follows the log itself (default: the service's tail). */
  log?: () => string;
  /** The progress line after each look (default "N s: DETAIL"). */
  progress?: (seconds: number, detail: string) => string;
}

/** A container ended the wait: it carries the judge's finding. */
export class ContainerFailedError extends WizardError {
  constructor(
    message: string,
    readonly failure: ContainerFailure,
    remedy?: string,
  ) {
    super(message, remedy);
  }
}

const LOG_LINES = 30;

/** The pause between container looks: at most 2 s (a crash is reported within seconds), at least 1 s. */
export const watchIntervalMs = (pollIntervalMs: number) => Math.max(1000, Math.min(2000, pollIntervalMs));

/**
 * A service's last log lines, stdout and stderr in the order they were written (Compose merges them), without
 * prefixes or terminal escapes.
 */
async function containerLog(
  ctx: WaitContext,
  service: string,
  io: WaitIO,
  lines = LOG_LINES,
): Promise<string> {
  const r = await ctx.runner
    .run({
      ...composeCommand(ctx, ['logs', '--no-color', '--no-log-prefix', '--tail', String(lines), service]),
      reject: false,
      timeoutMs: 15_000,
      ...(io.ignoreAbort ? { ignoreAbort: true } : {}),
    })
    .catch(() => undefined);
  return `${r?.stdout ?? ''}\n${r?.stderr ?? ''}`
    .split('\n')
    .map(plainLine)
    .filter(Boolean)
    .slice(-lines)
    .join('\n');
}

/** A service's last log lines through Compose (any of its containers). */
async function serviceLog(ctx: WaitContext, service: string, io: WaitIO): Promise<string> {
  const r = await ctx.runner
    .run({
      ...composeCommand(ctx, ['logs', '--no-color', '--tail', String(LOG_LINES), service]),
      reject: false,
      timeoutMs: 15_000,
      ...(io.ignoreAbort ? { ignoreAbort: true } : {}),
    })
    .catch(() => undefined);
  return `${r?.stdout ?? ''}${r?.stderr ?? ''}`.trim().split('\n').slice(-LOG_LINES).join('\n');
}

/** "Known failure: TITLE: EVIDENCE" lines and their remedies, from the patterns `wizard doctor` uses. */
function known(ctx: WaitContext, log: string): { lines: string; remedies: string[] } {
  const found = matchLogs(log, logPatternsOf(ctx.platform));
  return {
    lines: found.map((f) => `Known failure: ${f.title}: ${f.evidence}`).join('\n'),
    remedies: found.flatMap((f) => (f.remedy ? [f.remedy] : [])),
  };
}

/** Looks at the install's containers once: a failure, or the memory for the next look. */
async function watch(
  ctx: WaitContext,
  memory: WatchMemory,
  opts: { since: number; mustRun: string[]; services?: string[] },
  io: WaitIO,
): Promise<{ memory: WatchMemory; failure?: ContainerFailure }> {
  const extra = io.ignoreAbort ? { ignoreAbort: true } : {};
  const ps = await ctx.runner
    .run({
      ...composeCommand(ctx, ['ps', '--all', '--format', 'json']),
      reject: false,
      timeoutMs: 15_000,
      ...extra,
    })
    .catch((e: Error) => ({ exitCode: 1, stdout: '', stderr: e.message }));
  if (ps.exitCode !== 0 || ps.stdout.trim() === '') return { memory };
  const mine = (c: { service: string }) => !opts.services || opts.services.includes(c.service);
  let observed = observeContainers(ps.stdout).filter(mine);
  if (observed.length === 0) return { memory };
  const inspected = await ctx.runner
    .run({
      file: 'docker',
      args: ['inspect', ...observed.map((c) => c.id)],
      reject: false,
      timeoutMs: 15_000,
      ...extra,
    })
    .catch(() => undefined);
  observed = observeContainers(ps.stdout, inspected?.stdout ?? '[]').filter(mine);
  const judge = (logs?: Record<string, string>) =>
    judgeContainers(observed, memory, {
      now: ctx.clock.now(),
      since: opts.since,
      mustRun: opts.mustRun,
      patterns: logPatternsOf(ctx.platform),
      ...(logs ? { logs } : {}),
    });
  let j = judge();
  if (!j.failure && j.wantLogs.length > 0) {
    const logs: Record<string, string> = {};
    for (const id of j.wantLogs) {
      const c = observed.find((o) => o.id === id);
      if (c) logs[id] = await containerLog(ctx, c.service, io);
    }
    j = judge(logs);
  }
  return { memory: j.memory, ...(j.failure ? { failure: j.failure } : {}) };
}

/**
 * Waits until `spec.check` is done, watching the containers meanwhile. Resolves with the check's value and the
 * seconds it took; throws ContainerFailedError when a container fails, WizardError on timeout (both with the
 * log's last lines, the known failures they match and a remedy), and the abort reason on Ctrl-C.
 */
export async function waitFor<T>(
  ctx: WaitContext,
  spec: WaitSpec<T>,
  io: WaitIO,
): Promise<{ value: T; seconds: number }> {
  const { clock } = ctx;
  const signal = io.ignoreAbort ? undefined : io.signal;
  const started = clock.now();
  const since = Math.min(ctx.stackStartedAt ?? started, started);
  const interval =
    spec.intervalMs ??
    ((elapsed: number) => (elapsed < 30_000 ? Math.min(100, ctx.pollIntervalMs) : ctx.pollIntervalMs));
  const seconds = () => Math.round((clock.now() - started) / 1000);
  const defaultRemedy = `Fix what the log shows, then run the same install again: it continues from here. The full log: ${ctx.log.path}`;
  let memory = emptyMemory();
  let nextLook = started + (spec.firstLookMs ?? 1000);
  let last = 'no answer yet';
  const serviceTail = async () => spec.log?.() || (await serviceLog(ctx, spec.service, io));
  const polled = await poll<T>({
    clock,
    ...(signal ? { signal } : {}),
    timeoutMs: spec.timeoutSeconds * 1000,
    intervalMs: interval,
    attempt: async () => {
      let probe: Probe<T>;
      try {
        probe = await spec.check(signal);
      } catch (e) {
        if (e instanceof CancelledError || (signal?.aborted && e === signal.reason)) throw e;
        probe = { done: false, detail: e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e) };
      }
      if (probe.done) return probe;
      last = probe.detail;
      if (probe.failed) {
        const log = await serviceTail();
        const k = known(ctx, log);
        throw new WizardError(
          [probe.failed, k.lines, `Last lines of the ${spec.service} container's log:\n${log}`]
            .filter(Boolean)
            .join('\n'),
          [...k.remedies, io.remedy ?? defaultRemedy].join(' '),
        );
      }
      io.output(spec.progress ? spec.progress(seconds(), last) : `${seconds()} s: ${last}`);
      if (spec.watch !== false && clock.now() >= nextLook) {
        const looked = await watch(
          ctx,
          memory,
          {
            since,
            mustRun: spec.mustRun === false ? [] : [spec.service],
            ...(spec.services ? { services: spec.services } : {}),
          },
          io,
        );
        memory = looked.memory;
        nextLook = clock.now() + watchIntervalMs(ctx.pollIntervalMs);
        if (looked.failure) {
          const f = looked.failure;
          const log = await containerLog(ctx, f.service, io);
          const k = known(ctx, log);
          ctx.log.warn(`wait: ${spec.what}: the ${f.service} container ${f.reason}`);
          throw new ContainerFailedError(
            [
              `${spec.what} can't start: its ${f.service} container ${f.reason}.`,
              k.lines,
              log ? `Last lines of the ${f.service} container's log:\n${log}` : '',
            ]
              .filter(Boolean)
              .join('\n'),
            f,
            [...k.remedies, io.remedy ?? defaultRemedy].join(' '),
          );
        }
      }
      return { done: false };
    },
  });
  if (polled.done) return { value: polled.value, seconds: seconds() };
  const log = await serviceTail();
  const k = known(ctx, log);
  throw new WizardError(
    [
      spec.timeoutMessage(spec.timeoutSeconds, last),
      k.lines,
      `Last lines of the ${spec.service} container's log:\n${log}`,
    ]
      .filter(Boolean)
      .join('\n'),
    [...k.remedies, io.remedy ?? defaultRemedy, spec.timeoutHint ?? ''].filter(Boolean).join(' '),
  );
}
