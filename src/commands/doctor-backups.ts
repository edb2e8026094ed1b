import { dirname } from 'node:path';
import { type BackupFacts, backupFindings } from '../core/backup-schedule.js';
import type { Finding } from '../core/doctor.js';
import type { InstallRecord } from '../system/state.js';
import { archiverOf } from './backup-common.js';
import type { Deps } from './deps.js';

/** Doctor's backup findings for each install: the schedule kept, and a copy off the host. */
export async function backupDoctorFindings(deps: Deps, records: InstallRecord[]): Promise<Finding[]> {
  const archiver = archiverOf(deps);
  const all = deps.state().backups();
  const findings: Finding[] = [];
  for (const r of records) {
    const mine = all
      .filter((b) => b.install === r.name)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    const newest = mine.at(-1);
    const dir = newest
      ? dirname(newest.file)
      : deps.env.hostPath(r.backupSchedule?.to ?? `${r.dataDir}/backups`);
    const [backupsDev, dataDev] = await Promise.all([
      archiver.device(dir),
      archiver.device(deps.env.hostPath(r.dataDir)),
    ]);
    const repo = r.backupRepo ?? r.backupSchedule?.repo ?? mine.find((b) => b.snapshot)?.snapshot?.repo;
    const facts: BackupFacts = {
      install: r.name,
      ...(r.backupSchedule ? { schedule: r.backupSchedule } : {}),
      ...(newest ? { newest: newest.createdAt } : {}),
      count: mine.length,
      dir,
      sameDisk: backupsDev !== undefined && backupsDev === dataDev,
      ...(repo ? { repo } : {}),
    };
    findings.push(...backupFindings(facts, new Date()));
  }
  return findings;
}
