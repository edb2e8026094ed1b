import { exitCodeOf, type Finding } from '../core/doctor.js';
import { redactDeep } from '../core/redact.js';
import type { Deps } from './deps.js';

/**
 * Doctor's output on stdout: the findings as JSON (`--json`) or as the Ink report, every secret the run learnt
 * and URL credentials masked (evidence quotes logs and command output). Returns the exit code they mean.
 */
export async function printDoctorReport(
  deps: Deps,
  findings: Finding[],
  fixed: string[],
  json: boolean | undefined,
): Promise<number> {
  const code = exitCodeOf(findings);
  const redact = (t: string) => deps.log.redact(t);
  const shown = findings.map(({ fix, ...f }) =>
    redactDeep({ ...f, ...(fix ? { fix: { ...fix } } : {}) }, redact),
  ) as Finding[];
  if (json) {
    const out = shown.map(({ fix, ...f }) => ({ ...f, ...(fix ? { fix: fix.description } : {}) }));
    const summary = {
      ok: findings.filter((f) => f.severity === 'ok').length,
      warn: findings.filter((f) => f.severity === 'warn').length,
      fail: findings.filter((f) => f.severity === 'fail').length,
    };
    deps.term.stdout.write(
      `${JSON.stringify({ findings: out, summary, fixed: fixed.map(redact), exitCode: code }, null, 2)}\n`,
    );
  } else {
    const [{ printStatic }, { DoctorReport }] = await Promise.all([
      import('../ui/screens.js'),
      import('../ui/DoctorReport.js'),
    ]);
    const out = deps.term.stdout;
    const columns = out.isTTY ? out.columns || 80 : undefined;
    // Without a terminal nothing wraps: Ink lays out on a grid just as wide as the longest line (a 10,000-column
    // grid costs tenths of a second).
    const title = Math.max(0, ...shown.map((f) => f.title.length));
    const widest = Math.max(
      80,
      ...shown.map((f) => Math.max(title + 4 + f.evidence.length, 6 + (f.remedy?.length ?? 0))),
      ...fixed.map((f) => f.length + 4),
    );
    printStatic(
      <DoctorReport findings={shown} fixed={fixed.map(redact)} columns={columns} />,
      out,
      columns ?? widest + 1,
    );
  }
  return code;
}
