// What the doctor e2e tests share: `wizard doctor NAME --json` read as its report, the findings of one install,
// a bounded wait for a condition, and a support bundle written and unpacked for the redaction checks.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runWizard } from './wizard.js';

export interface DoctorFinding {
  id: string;
  severity: string;
  title: string;
  evidence: string;
  remedy?: string;
  install?: string;
  /** What `--fix` would do (the safe fix's description). */
  fix?: string;
}

export interface DoctorReport {
  findings: DoctorFinding[];
  fixed: string[];
  exitCode: number;
}

/** Runs `wizard doctor INSTALL --json` and reads its findings about that install. */
export function doctorOf(install: string, env: () => Record<string, string>) {
  const mine = (r: DoctorReport) => r.findings.filter((f) => f.install === install);
  return {
    async run(...extra: string[]) {
      const r = await runWizard(['doctor', install, '--json', ...extra], env());
      return { code: r.code, report: JSON.parse(r.stdout) as DoctorReport, stderr: r.stderr };
    },
    mine,
    problems: (r: DoctorReport) => mine(r).filter((f) => f.severity === 'fail'),
    byId: (r: DoctorReport, id: string) => mine(r).find((f) => f.id === id),
  };
}

/** Polls fn every 500 ms until it holds; throws after ms. */
export async function waitFor(fn: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('condition not reached');
}

/** `wizard doctor INSTALL --bundle` into a temp folder under root, unpacked: every file's name and text. */
export async function unpackedBundle(install: string, root: string, env: Record<string, string>) {
  const file = join(mkdtempSync(join(root, 'bundle-')), 'report.tar.gz');
  const r = await runWizard(['doctor', install, '--bundle', file], env);
  const dir = mkdtempSync(join(root, 'unpacked-'));
  execFileSync('tar', ['-xzf', file, '-C', dir]);
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => ({ name: d.name, text: readFileSync(join(d.parentPath, d.name), 'utf8') }));
  return { file, dir, files, stderr: r.stderr };
}
