import { renderToString } from 'ink';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/doctor.js';
import { DoctorReport } from '../../src/ui/DoctorReport.js';

const findings: Finding[] = [
  {
    id: 'host.public',
    severity: 'warn',
    title: 'Public address',
    evidence: 'this server could not learn its public address (getaddrinfo ENOTFOUND api.ipify.org).',
    remedy:
      'Check that this server reaches the Internet (curl https://api.ipify.org); behind NAT, forward TCP 80 and 443 to it.',
  },
  {
    id: 'container',
    severity: 'ok',
    title: 'Container mongodb-fix-permission-container',
    evidence: 'finished its one-time job (exit code 0)',
    install: 'rocketchat',
  },
  { id: 'container', severity: 'ok', title: 'Container nats', evidence: 'running', install: 'rocketchat' },
];

describe('the doctor report', () => {
  it('on an 80-column terminal: evidence and remedies wrap under their own text, long titles in their column', () => {
    const lines = renderToString(<DoctorReport findings={findings} fixed={[]} columns={80} />, {
      columns: 80,
    }).split('\n');
    expect(lines.every((l) => l.length <= 80)).toBe(true);
    const at = lines.findIndex((l) => l.startsWith('⚠ Public address'));
    const evidenceColumn = lines[at]?.indexOf('this server') ?? -1;
    expect(evidenceColumn).toBeGreaterThan(0);
    // The evidence's continuation starts under the evidence, not at the left edge.
    expect(lines[at + 1]?.slice(0, evidenceColumn).trim()).toBe('');
    expect(lines[at + 1]?.slice(evidenceColumn)).toMatch(/^\S/);
    // The remedy's continuation starts under the remedy's text, after the arrow.
    const remedy = lines.findIndex((l) => l.startsWith('    → Check that'));
    expect(lines[remedy + 1]).toMatch(/^ {6}\S/);
    // A title longer than 40% of the width wraps in its own column; the evidence keeps its column.
    const long = lines.findIndex((l) => l.startsWith('✔ Container ') && l.includes('finished'));
    expect(lines[long + 1]?.trim()).toBe('mongodb-fix-permission-container');
    expect(lines.find((l) => l.startsWith('✔ Container nats'))?.indexOf('running')).toBe(
      lines[long]?.indexOf('finished'),
    );
  });

  it('without a terminal nothing wraps: one line per finding and per remedy', () => {
    const text = renderToString(<DoctorReport findings={findings} fixed={[]} />, { columns: 300 });
    expect(text).toContain(`✔ Container mongodb-fix-permission-container  ${findings[1]?.evidence}`);
    expect(text).toContain(`    → ${findings[0]?.remedy}`);
    // This server, its finding and remedy, a gap; the install's heading and its two findings, a gap; the total.
    expect(text.split('\n')).toHaveLength(4 + 4 + 1);
  });
});
