/**
 * The upgrade journal: what an upgrade under way has done so far, kept in the install's state record and
 * written (atomically) before each phase of each step, so a re-run after the wizard was killed (kill -9, the OOM
 * killer, a lost SSH session's process group, power loss) knows what it finds and settles it first.
 */

/** Phases of one step, in order: the last one reached. `switching` is written before the env file changes. */
export const UPGRADE_PHASES = ['started', 'checked', 'backed-up', 'pulled', 'switching'] as const;
export type UpgradePhase = (typeof UPGRADE_PHASES)[number];

export interface UpgradeJournal {
  /** The whole path of the run, e.g. ["7.13.0", "8.0.1"] (the releases after `from` of step 0). */
  path: string[];
  /** Index in `path` of the step under way. */
  step: number;
  from: string;
  to: string;
  phase: UpgradePhase;
  /** The backup this step took (real path), once it was completed. */
  backup?: string;
  /** The env file the step changes (logical path). */
  envPath: string;
  /** The env file's content before the switch, kept at 0600 next to it (logical path; written before `switching`). */
  previousEnv?: string;
  /** The run that wrote it. */
  pid: number;
  startedAt: string;
  updatedAt: string;
}

/** Where the switch keeps the env file as it was before (0600: it holds secrets). */
export const previousEnvPath = (envPath: string) => `${envPath}.before-upgrade`;

/** True when nothing was changed yet: the env file still holds the old release and the old containers run. */
export const beforeSwitch = (j: Pick<UpgradeJournal, 'phase'>) => j.phase !== 'switching';

/** One line for status, doctor and `--check`: what was interrupted and where. */
export function describeJournal(j: UpgradeJournal): string {
  const where = beforeSwitch(j)
    ? `after the phase "${j.phase}", before anything changed`
    : 'while switching to the new release (the env file or the containers may hold either release)';
  const rest = j.path.length > j.step + 1 ? ` (path ${j.path.slice(j.step).join(' then ')})` : '';
  return `upgrade ${j.from} → ${j.to}${rest} interrupted ${where}; started ${j.startedAt} by pid ${j.pid}`;
}
