import { formatCommand } from '../../src/core/plan.js';
import type { Platform } from '../../src/core/platform.js';
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
    else
      rows.push({
        match: new RegExp(` ps --all --format json ${s.services.map(reEscape).join(' ')}$`),
        stdout: s.services
          .map((svc) =>
            JSON.stringify({
              ID: `0000${svc.length}`,
              Service: svc,
              Name: `p-${svc}-1`,
              State: 'exited',
              ExitCode: 0,
              Health: s.until.kind === 'healthy' ? 'healthy' : '',
            }),
          )
          .join('\n'),
      });
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
 * The argv tails the staged start runs for a platform, in order (for call-list assertions): `config --services`
 * first (asked while the first stage starts), each stage's `up` and its probe, the rest, what starts last.
 */
export function stackCalls(
  platform: Pick<Platform, 'startOrder' | 'startLast'>,
  rest: string[],
  offline = true,
): string[] {
  const pull = offline ? ' --pull never' : '';
  const out: string[] = [];
  if (platform.startOrder?.length || platform.startLast?.length) out.push('config --services');
  for (const s of platform.startOrder ?? []) {
    out.push(`up -d${pull} --no-deps ${s.services.join(' ')}`);
    if (s.until.kind === 'started') continue;
    out.push(
      s.until.kind === 'exec'
        ? formatCommand({ file: 'exec', args: ['-T', s.until.service, ...s.until.command] })
        : `ps --all --format json ${s.services.join(' ')}`,
    );
  }
  out.push(`up -d --remove-orphans${pull}${rest.length ? ` --no-deps ${rest.join(' ')}` : ''}`);
  if (platform.startLast?.length) out.push(`up -d${pull} --no-deps ${platform.startLast.join(' ')}`);
  return out;
}
