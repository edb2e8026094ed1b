import type { CheckOutcome } from './checks.js';
import { hostStateChecks } from './doctor-files.js';
import { stackChecks } from './doctor-stack.js';
import { tlsChecks } from './doctor-tls.js';
import { type DoctorCheck, type Finding, ok } from './doctor-types.js';

/*
 * Doctor's judges, by area: the types (doctor-types), the stack (doctor-stack), TLS (doctor-tls), what the install
 * holds on the host (doctor-files), known failures in logs (doctor-logs) and redaction (doctor-redact); this file
 * puts them together and holds the host's findings.
 */
export { commonLogPatterns, matchLogs } from './doctor-logs.js';
export { redact, redactEmails, secretValues } from './doctor-redact.js';
export type {
  ContainerFacts,
  DoctorCheck,
  Finding,
  GatherContext,
  InstallFacts,
  LogPattern,
  SafeFix,
  Severity,
} from './doctor-types.js';

/** Host findings from the installer's own prerequisite checks (shared code). */
export function fromCheckOutcomes(outcomes: CheckOutcome[]): Finding[] {
  return outcomes.map((o) => ({
    id: `host.${o.id}`,
    severity: o.status === 'ok' ? 'ok' : o.status === 'warn' || o.ignored ? 'warn' : 'fail',
    title: o.title,
    evidence: o.detail,
    ...(o.remedy && o.status !== 'ok' ? { remedy: o.remedy } : {}),
  }));
}

export function diskFinding(id: string, title: string, path: string, usedPct: number): Finding {
  const evidence = `${path} is ${usedPct.toFixed(0)}% full`;
  if (usedPct > 95)
    return {
      id,
      severity: 'fail',
      title,
      evidence,
      remedy: `Free space on the filesystem of ${path}: docker system prune, old backups, logs.`,
    };
  if (usedPct > 85)
    return {
      id,
      severity: 'warn',
      title,
      evidence,
      remedy: `Free space soon on the filesystem of ${path} (docker system prune removes unused images).`,
    };
  return ok(id, title, evidence);
}

/** Checks every install has, whatever its platform. */
export const installChecks: DoctorCheck[] = [...stackChecks, ...tlsChecks, ...hostStateChecks];

export function exitCodeOf(findings: Finding[]): 0 | 1 | 2 {
  if (findings.some((f) => f.severity === 'fail')) return 2;
  if (findings.some((f) => f.severity === 'warn')) return 1;
  return 0;
}
