import { hostChecks } from '../core/checks.js';
import { clockCheck } from '../core/clock.js';
import { diskFinding, type Finding, fromCheckOutcomes } from '../core/doctor.js';
import { kernelCheck } from '../core/kernel.js';
import { runChecks } from '../engine/run-checks.js';
import { diskUsedPercent, memoryInfo } from '../system/probes.js';
import type { InstallRecord } from '../system/state.js';
import type { Deps } from './deps.js';
import { withTimeout } from './doctor-facts.js';

/** The host's findings: the installer's checks, the kernel against the installed databases, clock, disks, memory. */
export async function hostFindings(deps: Deps, records: InstallRecord[]): Promise<Finding[]> {
  const databases = [
    ...new Set(records.map((r) => deps.platforms.find((p) => p.id === r.platform)?.database ?? 'none')),
  ];
  // Docker's data folder is asked for beside the checks, not after them.
  const [outcomes, dockerRoot] = await Promise.all([
    runChecks([...hostChecks, kernelCheck, clockCheck], deps.probe, { databases }, { timeoutMs: 5000 }),
    deps.runner
      .run({
        file: 'docker',
        args: ['info', '--format', '{{.DockerRootDir}}'],
        reject: false,
        timeoutMs: 5000,
      })
      .catch(() => undefined),
  ]);
  const findings = fromCheckOutcomes(outcomes);
  const paths = new Map<string, string>();
  for (const r of records) paths.set(`disk.${r.name}`, deps.env.hostPath(r.dataDir));
  if (dockerRoot?.exitCode === 0 && dockerRoot.stdout.trim())
    paths.set('disk.docker', dockerRoot.stdout.trim());
  const used = await Promise.all(
    [...paths].map(
      async ([id, path]) => [id, path, await withTimeout(diskUsedPercent(path), 2000, Number.NaN)] as const,
    ),
  );
  for (const [id, path, pct] of used) {
    if (!Number.isNaN(pct))
      findings.push(
        diskFinding(id, id === 'disk.docker' ? "Disk of Docker's data" : `Disk of ${id.slice(5)}`, path, pct),
      );
  }
  try {
    const m = memoryInfo();
    const low = m.availableMiB < m.totalMiB * 0.1;
    findings.push({
      id: 'host.memory-now',
      severity: low ? 'warn' : 'ok',
      title: 'Free memory',
      evidence: `${m.availableMiB} MiB of ${m.totalMiB} MiB available, ${m.swapMiB} MiB swap`,
      ...(low ? { remedy: 'Add swap or memory; the platforms are killed when memory runs out.' } : {}),
    });
  } catch {
    // not Linux
  }
  return findings;
}
