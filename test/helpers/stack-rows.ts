import { formatCommand } from '../../src/core/plan.js';
import type { Platform } from '../../src/core/platform.js';
import { INSPECT_FORMAT } from '../../src/engine/stage-probe.js';
import type { FakeRow } from './fake-runner.js';

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Fake-runner rows for a stack that starts well through the shared compose-up (src/engine/start.ts): each stage of
 * the platform's start order comes up at once (its one-time helpers finished, its probe command answering),
 * `config --services` lists `services`, the rest starts, and a look at the containers finds none amiss.
 */
export function stackRows(
  platform: Pick<Platform, 'startOrder' | 'startLast'>,
  services: string[],
): FakeRow[] {
  const rows: FakeRow[] = [];
  for (const s of platform.startOrder ?? []) {
    rows.push({
      match: new RegExp(` up -d (--pull never )?--no-deps ${s.services.map(reEscape).join(' ')}$`),
    });
    if (s.until.kind === 'started') continue;
    if (s.until.kind === 'exec')
      rows.push({
        match: new RegExp(
          ` ${reEscape(formatCommand({ file: 'exec', args: ['-T', s.until.service, ...s.until.command] }))}$`,
        ),
      });
    else {
      // The stage's containers by their Compose names: finished (a one-time helper), healthy, or running with an
      // address (a port the test's HTTP client takes connections on).
      const services = s.until.kind === 'port' ? [s.until.service] : s.services;
      const state = s.until.kind === 'exited' ? 'exited' : 'running';
      const health = s.until.kind === 'healthy' ? 'healthy' : '';
      rows.push({
        match: new RegExp(
          `^docker inspect --format .* ${services.map((v) => `\\S+-${reEscape(v)}-1`).join(' ')}$`,
        ),
        stdoutFor: (command) =>
          services
            .map((v) => {
              const project = command.match(new RegExp(` (\\S+)-${reEscape(v)}-1(?: |$)`))?.[1] ?? '';
              return [project, v, state, '0', health, 'default', '172.18.0.2 '].join('\t');
            })
            .join('\n'),
      });
    }
  }
  if (platform.startOrder?.length || platform.startLast?.length)
    rows.push({ match: / config --services$/, stdout: services.join('\n') });
  if (platform.startLast?.length)
    rows.push({
      match: new RegExp(` up -d (--pull never )?--no-deps ${platform.startLast.map(reEscape).join(' ')}$`),
    });
  // A look at the containers while a wait polls: Compose lists none (nothing to judge).
  rows.push({ match: / ps --all --format json$/, stdout: '' });
  return rows;
}

/**
 * The commands the staged start runs for a platform, in order (for call-list assertions): `config --services`
 * first (asked while the first stage starts), each stage's `up` and its probe, the rest, what starts last. Compose's
 * come as `compose(TAIL)`; the stage's look at its containers is a `docker inspect` of PROJECT-SERVICE-1.
 */
export function stackCalls(
  platform: Pick<Platform, 'startOrder' | 'startLast'>,
  rest: string[],
  offline: boolean,
  at: { compose: (tail: string) => string; project: string },
): string[] {
  const pull = offline ? ' --pull never' : '';
  const out: string[] = [];
  if (platform.startOrder?.length || platform.startLast?.length) out.push(at.compose('config --services'));
  for (const s of platform.startOrder ?? []) {
    out.push(at.compose(`up -d${pull} --no-deps ${s.services.join(' ')}`));
    if (s.until.kind === 'started') continue;
    if (s.until.kind === 'exec')
      out.push(
        at.compose(formatCommand({ file: 'exec', args: ['-T', s.until.service, ...s.until.command] })),
      );
    else
      out.push(
        formatCommand({
          file: 'docker',
          args: [
            'inspect',
            '--format',
            INSPECT_FORMAT,
            ...(s.until.kind === 'port' ? [s.until.service] : s.services).map((v) => `${at.project}-${v}-1`),
          ],
        }),
      );
  }
  out.push(at.compose(`up -d --remove-orphans${pull}${rest.length ? ` --no-deps ${rest.join(' ')}` : ''}`));
  if (platform.startLast?.length)
    out.push(at.compose(`up -d${pull} --no-deps ${platform.startLast.join(' ')}`));
  return out;
}
