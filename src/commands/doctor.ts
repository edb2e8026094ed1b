import type { Finding } from '../core/doctor.js';
import { judgeInstall } from '../core/doctor-judge.js';
import { checkOutputFile } from '../system/files.js';
import type { InstallRecord } from '../system/state.js';
import type { Deps } from './deps.js';
import { gatherFacts } from './doctor-facts.js';
import { applyFixes } from './doctor-fix.js';
import { hostFindings } from './doctor-host.js';
import { printDoctorReport } from './doctor-report.js';
import { readinessFindings } from './readiness.js';
import { installsNamed } from './record.js';

export interface DoctorOptions {
  install?: string;
  json?: boolean;
  fix?: boolean;
  bundle?: string;
}

/**
 * `wizard doctor`: every check, concurrently; findings with evidence and remedy; exit 0 / 1 / 2. The jobs live
 * beside it: facts (doctor-facts, doctor-host), judges (src/core/doctor*), fixes (doctor-fix), the bundle
 * (doctor-bundle) and the output (doctor-report).
 */
export async function doctorCommand(
  opts: DoctorOptions,
  deps: Deps,
  hooks: { lock?: () => unknown } = {},
): Promise<number> {
  // Where the bundle goes is judged before any work: a missing folder is bad input, named at once.
  const bundle = opts.bundle === undefined ? undefined : checkOutputFile(opts.bundle, '--bundle');
  const state = deps.state();
  const records = installsNamed(state, opts.install);
  // Bad input (the install's name, the bundle's folder) is judged before the lock (--fix).
  await hooks.lock?.();
  const platformOf = (r: InstallRecord) => deps.platforms.find((p) => p.id === r.platform);

  const examine = async () => {
    const [host, installs] = await Promise.all([
      Promise.all([
        hostFindings(deps, records),
        readinessFindings(deps, records),
        import('./doctor-backups.js').then((m) => m.backupDoctorFindings(deps, records)),
      ]).then((f) => f.flat()),
      Promise.all(
        records.map(async (r) => {
          const p = platformOf(r);
          if (!p)
            return {
              facts: undefined,
              findings: [
                {
                  id: 'state',
                  severity: 'fail' as const,
                  title: 'State',
                  evidence: `install ${r.name} is of an unknown platform ${r.platform}`,
                  install: r.name,
                },
              ],
            };
          const facts = await gatherFacts(deps, r, p);
          return { facts, findings: judgeInstall(facts, p) };
        }),
      ),
    ]);
    const noInstall: Finding[] =
      records.length === 0
        ? [
            {
              id: 'state',
              severity: 'warn',
              title: 'Installs',
              evidence: `no install recorded in ${state.path}`,
              remedy: 'Run wizard install.',
            },
          ]
        : [];
    return {
      findings: [...host, ...noInstall, ...installs.flatMap((i) => i.findings)],
      facts: installs.map((i) => i.facts),
    };
  };

  let { findings, facts } = await examine();
  const fixed: string[] = [];
  if (opts.fix) {
    for (const r of records) {
      const p = platformOf(r);
      if (p) fixed.push(...(await applyFixes(deps, r, p, findings)));
    }
    if (fixed.length) ({ findings, facts } = await examine());
  }

  if (bundle) {
    const { writeBundle } = await import('./doctor-bundle.js');
    await writeBundle(
      deps,
      bundle,
      findings,
      records,
      facts.filter((f): f is NonNullable<typeof f> => f !== undefined),
    );
  }
  return printDoctorReport(deps, findings, fixed, opts.json);
}
