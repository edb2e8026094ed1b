import type { Finding, LogPattern } from './doctor-types.js';

/** Generic failures recognised in any container's log. */
export const commonLogPatterns: LogPattern[] = [
  {
    id: 'log.heap-oom',
    title: 'Out of memory (Node heap)',
    match: /JavaScript heap out of memory|FATAL ERROR: .*Allocation failed/,
    severity: 'fail',
    remedy: 'Add memory or swap (2 GiB at least), then: docker compose up -d',
  },
  {
    id: 'log.pg-incompatible',
    title: 'PostgreSQL data from another major version',
    match: /database files are incompatible with server/,
    severity: 'fail',
    remedy:
      'The data directory was made by another PostgreSQL major version: keep the old postgres image tag, or dump and restore into the new one.',
  },
  {
    id: 'log.module-missing',
    title: 'A module of the program is missing (the image is broken)',
    // Node's own error when the program's code is not in the image (a bad build or a wrong tag).
    match: /Error: Cannot find module '[^']+'|ERR_MODULE_NOT_FOUND/,
    severity: 'fail',
    remedy:
      'This image does not start: pull it again (docker compose pull), or use another release (an upgrade puts the previous one back by itself).',
  },
  {
    id: 'log.disk-full',
    title: 'Disk full',
    match: /No space left on device/,
    severity: 'fail',
    remedy: 'Free disk space (docker system prune), then: docker compose up -d',
  },
];

export function matchLogs(logs: string, patterns: LogPattern[], opts: { healthy?: boolean } = {}): Finding[] {
  const out: Finding[] = [];
  // Compose may colour or redraw even with --no-color: strip terminal escapes.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is what a terminal escape starts with.
  const lines = logs.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '').split('\n');
  for (const p of patterns) {
    if (p.transient && opts.healthy) continue;
    const hit = [...lines].reverse().find((l) => p.match.test(l));
    if (hit)
      out.push({
        id: p.id,
        severity: p.severity,
        title: p.title,
        evidence: hit.trim().slice(0, 300),
        remedy: p.remedy,
      });
  }
  return out;
}
