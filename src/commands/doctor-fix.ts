import { composeCommand } from '../core/compose.js';
import type { Finding } from '../core/doctor.js';
import type { Platform } from '../core/platform.js';
import { startedLast, startStack } from '../engine/start.js';
import { pollUntilReady } from '../engine/tasks.js';
import { checkHandedOverDir, setFileMode } from '../system/safe-fs.js';
import type { InstallRecord } from '../system/state.js';
import type { Deps } from './deps.js';
import { answersOfRecord, composeOfRecord } from './record.js';
import { recordContext } from './task-list.js';

/**
 * `doctor --fix`: applies the safe fixes the findings of one install carry (modes, owners, start, wait) and
 * says what it did, one line each.
 */
export async function applyFixes(
  deps: Deps,
  r: InstallRecord,
  p: Platform,
  findings: Finding[],
): Promise<string[]> {
  const fixed: string[] = [];
  const mine = findings.filter((f) => f.install === r.name && f.fix);
  if (mine.length === 0) return fixed;
  for (const f of mine) {
    if (f.fix?.kind !== 'chmod') continue;
    // Through a descriptor opened without following links, in a folder only root can change.
    await setFileMode(f.fix.path, f.fix.mode);
    fixed.push(f.fix.description);
  }
  const chowns = mine.flatMap((f) => (f.fix?.kind === 'chown' ? [f.fix] : []));
  for (const c of chowns) {
    // A container's folder is its uid's to fill: never a link, and chown walks it without following any
    // (-P: no link traversed; --no-dereference: a link inside changes, not what it points at).
    await checkHandedOverDir(c.path);
    await deps.runner.run({
      file: 'chown',
      args: ['-R', '-P', '--no-dereference', `${c.uid}:${c.gid}`, c.path],
      timeoutMs: 60_000,
    });
    fixed.push(c.description);
  }
  if (chowns.length) {
    // A container that failed on the folder waits out Docker's back-off: restart the failing ones now.
    const failing = findings
      .filter((f) => f.install === r.name && f.severity === 'fail' && f.id.startsWith('container.'))
      .map((f) => f.id.slice('container.'.length));
    await deps.runner.run({
      ...composeCommand(composeOfRecord(deps, r), ['restart', ...failing]),
      timeoutMs: 300_000,
    });
    fixed.push(`restarted ${failing.length ? failing.join(', ') : 'the containers'} of ${r.name}`);
  }
  if (mine.some((f) => f.fix?.kind === 'start-containers')) {
    // The shared compose-up: the platform's start order (the database first), images already on the host.
    const started = {
      ...recordContext(deps, r, p),
      readyTimeoutSeconds: deps.env.readyTimeoutSeconds ?? 120,
    };
    await startStack(started, { output: () => undefined });
    await startedLast(started);
    fixed.push(`started the containers of ${r.name}`);
  }
  const waits =
    chowns.length > 0 || mine.some((f) => f.fix?.kind === 'start-containers' || f.fix?.kind === 'wait-ready');
  if (p.readiness.health && waits) {
    fixed.push(`${r.name}: its health check decides when it is ready (wizard doctor again in a few minutes)`);
  } else if (waits) {
    const url = `http://127.0.0.1:${p.readiness.port?.(answersOfRecord(r)) ?? r.port}${p.readiness.path}`;
    // The shared wait: it watches the containers too, so one that crashes again ends it in seconds.
    const ctx = { ...recordContext(deps, r, p), readyTimeoutSeconds: deps.env.readyTimeoutSeconds ?? 120 };
    const waited = await pollUntilReady(
      ctx,
      { url: () => url, judge: () => p.readiness.judge, service: () => p.readiness.service },
      { output: () => undefined },
    ).then(
      () => undefined,
      (e: Error) => e.message.split('\n')[0] ?? '',
    );
    fixed.push(
      waited === undefined
        ? `${r.name} answers again at ${url}`
        : `${r.name} still does not answer at ${url}: ${waited}`,
    );
  }
  return fixed;
}
