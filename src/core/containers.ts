import { parseComposePs } from './compose.js';
import { type LogPattern, matchLogs } from './doctor.js';

/**
 * The container-state judge every wait uses: pure, over what `docker compose ps --all --format json` and
 * `docker inspect` print. A container that exits with an error and stays down, restarts repeatedly, is
 * OOM-killed, or reports unhealthy past its start period ends the wait, instead of the wait sitting on
 * "connection refused" until its timeout. Slow but alive starts (running, health starting) never do.
 */

/** One container as a wait sees it: `docker compose ps` rows enriched with `docker inspect`. */
export interface ContainerObservation {
  id: string;
  name: string;
  service: string;
  /** running, exited, restarting, created, dead, paused. */
  state: string;
  exitCode: number;
  /** '', starting, healthy, unhealthy. */
  health: string;
  /** The output of the newest health check run (why it is unhealthy). */
  healthOutput?: string;
  restartCount: number;
  oomKilled: boolean;
  /** always, unless-stopped, on-failure, no, or '' (no). */
  restartPolicy: string;
  /** on-failure:N; 0 means no limit. */
  maxRetries: number;
  /** Epoch ms; undefined when Docker reports its zero time. */
  createdAt?: number;
  startedAt?: number;
  finishedAt?: number;
  /** The health check's start period: failures before its end do not count. */
  startPeriodMs: number;
}

interface Inspected {
  Id?: string;
  Name?: string;
  Created?: string;
  RestartCount?: number;
  State?: {
    Status?: string;
    ExitCode?: number;
    OOMKilled?: boolean;
    StartedAt?: string;
    FinishedAt?: string;
    Health?: { Status?: string; Log?: { ExitCode?: number; Output?: string }[] };
  };
  HostConfig?: { RestartPolicy?: { Name?: string; MaximumRetryCount?: number } };
  Config?: { Labels?: Record<string, string>; Healthcheck?: { StartPeriod?: number } };
}

/** Docker's times: RFC 3339 with nanoseconds; `0001-01-01T00:00:00Z` means never. */
function time(t: string | undefined): number | undefined {
  if (!t || t.startsWith('0001-')) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Parses `docker inspect` output (a JSON array); unreadable output gives none. */
export function parseInspect(stdout: string): Inspected[] {
  try {
    const parsed = JSON.parse(stdout || '[]') as unknown;
    return Array.isArray(parsed) ? (parsed as Inspected[]) : [];
  } catch {
    return [];
  }
}

/** The containers of `docker compose ps --all --format json`, with what `docker inspect` adds where known. */
export function observeContainers(psJson: string, inspectJson = '[]'): ContainerObservation[] {
  const details = parseInspect(inspectJson);
  return parseComposePs(psJson).map((row) => {
    const d = details.find(
      (x) => (row.id && x.Id?.startsWith(row.id)) || (x.Name ?? '').replace(/^\//, '') === row.name,
    );
    const lastHealth = d?.State?.Health?.Log?.at(-1)?.Output?.trim();
    const obs: ContainerObservation = {
      id: d?.Id ?? row.id ?? row.name,
      name: row.name,
      service: row.service || d?.Config?.Labels?.['com.docker.compose.service'] || row.name,
      state: d?.State?.Status ?? row.state,
      exitCode: d?.State?.ExitCode ?? row.exitCode ?? 0,
      health: d?.State?.Health?.Status ?? row.health,
      restartCount: d?.RestartCount ?? 0,
      oomKilled: d?.State?.OOMKilled ?? false,
      restartPolicy: d?.HostConfig?.RestartPolicy?.Name ?? '',
      maxRetries: d?.HostConfig?.RestartPolicy?.MaximumRetryCount ?? 0,
      startPeriodMs: Math.round((d?.Config?.Healthcheck?.StartPeriod ?? 0) / 1e6),
    };
    const created = time(d?.Created);
    const started = time(d?.State?.StartedAt);
    const finished = time(d?.State?.FinishedAt);
    if (created !== undefined) obs.createdAt = created;
    if (started !== undefined) obs.startedAt = started;
    if (finished !== undefined) obs.finishedAt = finished;
    if (lastHealth) obs.healthOutput = lastHealth.split('\n').slice(-3).join(' ').slice(0, 300);
    return obs;
  });
}

/** What the judge remembers between two looks: each container's restart count when the wait first saw it. */
export interface WatchMemory {
  baseline: Record<string, number>;
  /** The exit (restart count and finish time) whose log was last read, by container id: read once per exit. */
  logsRead: Record<string, string>;
}

export const emptyMemory = (): WatchMemory => ({ baseline: {}, logsRead: {} });

export type FailureKind = 'exited' | 'restart-loop' | 'oom' | 'unhealthy' | 'crashed';

export interface ContainerFailure {
  kind: FailureKind;
  service: string;
  container: string;
  id: string;
  /** Completes "its SERVICE container ...", e.g. "restarts repeatedly (3 restarts, last exit code 1)". */
  reason: string;
}

export interface JudgeOptions {
  /** Epoch ms of the judgement. */
  now: number;
  /** Exits and OOM kills before this (epoch ms) are old news: not this start's. */
  since: number;
  /** Restarts since the wait first saw a container that make a restart loop (default 3). */
  restartLimit?: number;
  /** Services that must keep running: one that stops, even with exit code 0, ends the wait. */
  mustRun?: string[];
  /** Log tails of containers that exited (by id), when the judge asked for them. */
  logs?: Record<string, string>;
  /** Known failures: a fatal one in an exited container's log ends the wait at its first exit. */
  patterns?: LogPattern[];
}

export interface Judgement {
  failure?: ContainerFailure;
  memory: WatchMemory;
  /** Ids of containers that exited with an error since the wait began: their logs may name a known failure. */
  wantLogs: string[];
}

/** Whether Docker will start this exited container again by itself. */
function willRestart(c: ContainerObservation): boolean {
  if (c.restartPolicy === 'always' || c.restartPolicy === 'unless-stopped') return true;
  if (c.restartPolicy === 'on-failure')
    return c.exitCode !== 0 && (c.maxRetries === 0 || c.restartCount < c.maxRetries);
  return false;
}

/**
 * The verdict on a set of containers: a failure (the first found, in a stable order) or none. Pure: the memory
 * it returns is passed back with the next observation.
 */
export function judgeContainers(
  observed: ContainerObservation[],
  memory: WatchMemory,
  opts: JudgeOptions,
): Judgement {
  const limit = opts.restartLimit ?? 3;
  const baseline = { ...memory.baseline };
  const logsRead = { ...memory.logsRead };
  const wantLogs: string[] = [];
  let failure: ContainerFailure | undefined;
  const fail = (c: ContainerObservation, kind: FailureKind, reason: string) => {
    failure ??= { kind, service: c.service, container: c.name, id: c.id, reason };
  };
  for (const c of [...observed].sort((a, b) => a.name.localeCompare(b.name))) {
    // A container created by this start counts every restart; one from before only the restarts seen since.
    if (baseline[c.id] === undefined)
      baseline[c.id] = c.createdAt !== undefined && c.createdAt >= opts.since ? 0 : c.restartCount;
    const seen = c.restartCount - (baseline[c.id] ?? 0);
    const down = c.state === 'exited' || c.state === 'dead';
    const recent = c.finishedAt !== undefined && c.finishedAt >= opts.since;
    const exitNote = c.exitCode ? `, last exit code ${c.exitCode}` : '';
    if (c.oomKilled && (recent || seen > 0)) {
      fail(c, 'oom', `was killed for lack of memory (OOMKilled${seen > 0 ? `, ${seen} restarts` : ''})`);
      continue;
    }
    if (seen >= limit) {
      fail(c, 'restart-loop', `restarts repeatedly (${seen} restarts${exitNote})`);
      continue;
    }
    // Exited with an error since the wait began (down now, restarting, or restarted meanwhile).
    const crashed = (recent && c.exitCode !== 0 && (down || c.state === 'restarting')) || seen > 0;
    const exit = `${c.restartCount}:${c.finishedAt ?? ''}`;
    if (crashed && logsRead[c.id] !== exit) {
      const log = opts.logs?.[c.id];
      if (log === undefined) wantLogs.push(c.id);
      else {
        logsRead[c.id] = exit;
        const fatal = matchLogs(
          log,
          (opts.patterns ?? []).filter((p) => p.severity === 'fail' && !p.transient),
        )[0];
        if (fatal) {
          const how =
            c.state === 'running' || c.state === 'restarting'
              ? `crashed${seen > 0 ? ` (${seen} restart${seen === 1 ? '' : 's'})` : ''}`
              : `exited with code ${c.exitCode}`;
          fail(c, 'crashed', `${how}: ${fatal.title.charAt(0).toLowerCase()}${fatal.title.slice(1)}`);
          continue;
        }
      }
    }
    if (down && recent && !willRestart(c)) {
      if (c.exitCode !== 0) fail(c, 'exited', `exited with code ${c.exitCode}`);
      else if (opts.mustRun?.includes(c.service)) fail(c, 'exited', 'stopped (exit code 0)');
      continue;
    }
    if (
      c.state === 'running' &&
      c.health === 'unhealthy' &&
      (c.startedAt === undefined || opts.now - c.startedAt > c.startPeriodMs)
    ) {
      fail(
        c,
        'unhealthy',
        `reports unhealthy${c.healthOutput ? ` (its health check: ${c.healthOutput})` : ''}`,
      );
    }
  }
  return {
    ...(failure ? { failure } : {}),
    memory: { baseline, logsRead },
    wantLogs: failure ? [] : wantLogs,
  };
}
