import { composeCommand } from './compose.js';
import type { CommandSpec } from './plan.js';
import type { Platform, StartStage } from './platform.js';

/**
 * The plan of the shared compose-up (src/engine/start.ts runs it): the stages of a platform's `startOrder`, the
 * argv of each stage's, the rest's and the last services' `up`, and the commands the review and --dry-run list.
 * Pure.
 */

const pullFlags = (offline: boolean) => (offline ? ['--pull', 'never'] : []);

/** The `up` of one stage: only its services, none of their dependencies (the order is the stages'). */
export const stageUpArgs = (stage: StartStage, offline: boolean) => [
  'up',
  '-d',
  ...pullFlags(offline),
  '--no-deps',
  ...stage.services,
];

/** The stages of a start of `services` (all when none): the platform's, each keeping only wanted services. */
export function stagesOf(
  platform: Pick<Platform, 'startOrder'>,
  wanted: Set<string> | undefined,
): StartStage[] {
  return (platform.startOrder ?? [])
    .map((s) => ({ ...s, services: s.services.filter((x) => !wanted || wanted.has(x)) }))
    .filter((s) => s.services.length > 0);
}

/** What the rest-`up` of a whole start appends at run time, in words for the review. */
export const REST_EXTRA_ARGS =
  '--no-deps and the services no stage starts, as docker compose config --services lists them';

/**
 * The commands the start of the stack (or of `services`) runs, in order, for the review and --dry-run: each
 * stage's `up` (with what it waits for), then the rest, then what starts last. Pure; startStack runs exactly
 * these (the rest's services, known at run time, as its declared extra args).
 */
export function startCommands(
  ctx: Parameters<typeof composeCommand>[0],
  platform: Pick<Platform, 'startOrder' | 'startLast'>,
  offline: boolean,
  services: string[] = [],
): CommandSpec[] {
  const wanted = services.length ? new Set(services) : undefined;
  const stages = stagesOf(platform, wanted);
  const out: CommandSpec[] = stages.map((s) => ({
    ...composeCommand(ctx, stageUpArgs(s, offline)),
    description:
      s.until.kind === 'started' ? `start ${s.title}` : `start ${s.title}, then wait until ${untilText(s)}`,
  }));
  if (wanted) {
    const staged = new Set(stages.flatMap((s) => s.services));
    const rest = services.filter((s) => !staged.has(s));
    if (rest.length)
      out.push({
        ...composeCommand(ctx, restUpArgs(offline, rest)),
        description: `start ${rest.join(', ')}`,
      });
    return out;
  }
  const last = platform.startLast ?? [];
  const staged = stages.length > 0 || last.length > 0;
  out.push({
    ...composeCommand(ctx, restUpArgs(offline, [])),
    description: staged ? 'start the rest of the containers' : 'start the containers',
    ...(staged ? { extraArgs: REST_EXTRA_ARGS } : {}),
  });
  if (last.length)
    out.push({
      ...composeCommand(ctx, lastUpArgs(offline, last)),
      description: 'start these last, while the app is waited for and checked',
    });
  return out;
}

export const restUpArgs = (offline: boolean, services: string[]) => [
  'up',
  '-d',
  '--remove-orphans',
  ...pullFlags(offline),
  ...services,
];
export const lastUpArgs = (offline: boolean, services: string[]) => [
  'up',
  '-d',
  ...pullFlags(offline),
  '--no-deps',
  ...services,
];

function untilText(s: StartStage): string {
  const u = s.until;
  if (u.kind === 'started') return 'it started';
  if (u.kind === 'exited') return 'it finished';
  if (u.kind === 'healthy') return 'its health check passes';
  if (u.kind === 'port') return `${u.service} takes connections on port ${u.port}`;
  return `\`${u.command.join(' ')}\` succeeds in ${u.service}`;
}
