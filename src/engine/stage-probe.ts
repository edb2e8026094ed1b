import { composeCommand, parseComposePs } from '../core/compose.js';
import { CancelledError, WizardError } from '../core/errors.js';
import type { StartStage } from '../core/platform.js';
import type { StackContext } from './start.js';
import type { Probe, WaitIO } from './wait.js';

/**
 * One look at a stage of the start order (src/engine/start.ts): are its containers done: finished, healthy,
 * taking connections on a port, or answering a command?
 *
 * Containers are looked up by the name Compose v2 gives a service's first one, PROJECT-SERVICE-1, with one
 * `docker inspect` (a docker CLI call costs a tenth of a Compose one, and a stage is looked at several times a
 * second). A name that is not found, or a container of that name that is not this project's service, is asked of
 * Compose instead (`docker compose ps`), which knows any naming.
 */

export interface StageContainer {
  service: string;
  state: string;
  exitCode?: number;
  health: string;
  /** Its addresses on its networks; `host` when it shares the host's network. */
  addresses: string[];
  host: boolean;
}

export const INSPECT_FORMAT = [
  '{{index .Config.Labels "com.docker.compose.project"}}',
  '{{index .Config.Labels "com.docker.compose.service"}}',
  '{{.State.Status}}',
  '{{.State.ExitCode}}',
  '{{if .State.Health}}{{.State.Health.Status}}{{end}}',
  '{{.HostConfig.NetworkMode}}',
  '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}',
].join('\t');

/** The containers of `services` by their Compose names; undefined when one is not found or not this project's. */
export async function inspectServices(
  ctx: Pick<StackContext, 'runner' | 'project'>,
  services: string[],
  run: { ignoreAbort?: boolean },
  signal: { signal?: AbortSignal },
): Promise<StageContainer[] | undefined> {
  const r = await ctx.runner.run(
    {
      file: 'docker',
      args: ['inspect', '--format', INSPECT_FORMAT, ...services.map((s) => `${ctx.project}-${s}-1`)],
      reject: false,
      ...run,
    },
    signal,
  );
  if (r.exitCode !== 0) return undefined;
  const rows = r.stdout.split('\n').filter((l) => l.trim());
  const out: StageContainer[] = [];
  for (const [i, service] of services.entries()) {
    const c = fromInspect(rows[i]);
    if (c?.project !== ctx.project || c.service !== service) return undefined;
    out.push(c);
  }
  return out;
}

/** One line of INSPECT_FORMAT: the container, with the project it is labelled with. */
function fromInspect(line: string | undefined): (StageContainer & { project: string }) | undefined {
  const [project, service, state, exit, health, mode, ips] = (line ?? '').split('\t');
  if (!state || service === undefined || project === undefined) return undefined;
  return {
    project,
    service,
    state,
    ...(exit !== undefined && /^\d+$/.test(exit) ? { exitCode: Number(exit) } : {}),
    health: health ?? '',
    addresses: (ips ?? '').split(' ').filter((ip) => /^[0-9a-f.:]+$/i.test(ip)),
    host: mode === 'host',
  };
}

/** The same from Compose (`docker compose ps`): any naming; no addresses (asked of docker by ID when needed). */
async function composeServices(
  ctx: StackContext,
  services: string[],
  run: { ignoreAbort?: boolean },
  signal: { signal?: AbortSignal },
): Promise<(StageContainer & { id?: string })[]> {
  const ps = await ctx.runner.run(
    { ...composeCommand(ctx, ['ps', '--all', '--format', 'json', ...services]), reject: false, ...run },
    signal,
  );
  return parseComposePs(ps.stdout)
    .filter((c) => services.includes(c.service))
    .map((c) => ({
      service: c.service,
      state: c.state,
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      health: c.health,
      addresses: [],
      host: false,
      ...(c.id ? { id: c.id } : {}),
    }));
}

/**
 * The address a service's container takes connections on, from the host where the wizard runs: its IP on the
 * stack's network, or 127.0.0.1 when it shares the host's network; none while it is not running.
 */
async function containerAddress(
  ctx: StackContext,
  service: string,
  run: { ignoreAbort?: boolean },
  signal: { signal?: AbortSignal },
): Promise<string | undefined> {
  let c: StageContainer | undefined = (await inspectServices(ctx, [service], run, signal))?.[0];
  if (!c) {
    const id = (await composeServices(ctx, [service], run, signal))[0]?.id;
    if (!id) return undefined;
    const r = await ctx.runner.run(
      { file: 'docker', args: ['inspect', '--format', INSPECT_FORMAT, id], reject: false, ...run },
      signal,
    );
    c = r.exitCode === 0 ? fromInspect(r.stdout.trim()) : undefined;
    if (!c) return undefined;
  }
  if (c.state !== 'running') return undefined;
  return c.host ? '127.0.0.1' : c.addresses[0];
}

/** One look at a stage; `memo` keeps what a later look reuses (the address a port is looked at on). */
export async function stageProbe(
  ctx: StackContext,
  stage: StartStage,
  io: WaitIO,
  memo: { address?: string },
): Promise<Probe<undefined>> {
  const run = io.ignoreAbort ? { ignoreAbort: true } : {};
  const signal = io.signal && !io.ignoreAbort ? { signal: io.signal } : {};
  const u = stage.until;
  if (u.kind === 'port') {
    const connect = ctx.http.connect?.bind(ctx.http);
    if (!connect) throw new WizardError('This run has no TCP client to look at a port with.');
    memo.address ??= await containerAddress(ctx, u.service, run, signal);
    if (!memo.address) return { done: false, detail: `${u.service} is not running yet` };
    try {
      await connect(memo.address, u.port, { timeoutMs: 1000, ...signal });
      return { done: true, value: undefined };
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      const why = (e as Error).message;
      // A container that started again may have another address: asked again next time.
      if (why !== 'connection refused') delete memo.address;
      return { done: false, detail: `${u.service} port ${u.port}: ${why}` };
    }
  }
  if (u.kind === 'exec') {
    const r = await ctx.runner.run(
      {
        ...composeCommand(ctx, ['exec', '-T', u.service, ...u.command]),
        reject: false,
        timeoutMs: 15_000,
        ...run,
      },
      signal,
    );
    if (r.exitCode === 0) return { done: true, value: undefined };
    const why = `${r.stdout}\n${r.stderr}`.trim().split('\n').pop() || `exit code ${r.exitCode}`;
    return { done: false, detail: why };
  }
  if (u.kind === 'started') return { done: true, value: undefined };
  const rows =
    (await inspectServices(ctx, stage.services, run, signal)) ??
    (await composeServices(ctx, stage.services, run, signal));
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
