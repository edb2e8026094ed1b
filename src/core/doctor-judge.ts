import { type DoctorCheck, type Finding, type InstallFacts, installChecks, matchLogs } from './doctor.js';
import { logPatternsOf } from './failures.js';
import type { Platform } from './platform.js';

/** An install's findings: the shared checks, the platform's own, and the known failures its logs show. */
export function judgeInstall(facts: InstallFacts, platform: Platform): Finding[] {
  const checks: DoctorCheck[] = [...installChecks, ...(platform.doctor?.checks ?? [])];
  const findings = checks.flatMap((c) => {
    try {
      const r = c.run(facts);
      return r === undefined ? [] : Array.isArray(r) ? r : [r];
    } catch (e) {
      return [
        {
          id: c.id,
          severity: 'warn' as const,
          title: c.title,
          evidence: `the check failed: ${(e as Error).message}`,
        },
      ];
    }
  });
  const healthy =
    facts.readiness.ok && !findings.some((f) => f.severity === 'fail' && f.id.startsWith('container'));
  findings.push(
    // The same known failures every wait names (src/core/failures.ts).
    ...matchLogs(facts.logs, logPatternsOf(platform), { healthy }),
  );
  return findings.map((f) => ({ ...f, install: facts.name }));
}
