import { UserError } from '../core/errors.js';
import type { InstallAnswers } from '../core/platform.js';
import type { InstallRecord } from '../system/state.js';
import type { Deps } from './deps.js';

/**
 * The one mapping from a recorded install back to its answers (doctor, status, the day-two commands' task
 * context): what the install recorded, offline (a day-two run never pulls on its own).
 */
export function answersOfRecord(r: InstallRecord): InstallAnswers {
  return {
    platform: r.platform,
    name: r.name,
    domain: r.domain,
    email: r.email,
    version: r.release,
    dataDir: r.dataDir,
    tls: r.tls,
    port: r.port,
    repoUrl: r.repoUrl,
    offline: true,
    extra: { ...r.extra },
  };
}

/** What `composeCommand` needs to reach a recorded install's compose project. */
export function composeOfRecord(deps: Pick<Deps, 'files'>, r: InstallRecord) {
  return { project: r.project, projectDir: r.dataDir, composeFiles: r.composeFiles, files: deps.files };
}

/**
 * The one rule for which install a day-two command means: the one named (by name or domain), else the only one
 * on the host. Undefined when neither; each command words its own refusal (with `all` for the list it names).
 */
export function selectInstall(
  deps: Pick<Deps, 'state'>,
  name: string | undefined,
): { record: InstallRecord | undefined; all: InstallRecord[] } {
  const state = deps.state();
  const all = state.installs();
  return { record: name ? state.find(name) : all.length === 1 ? all[0] : undefined, all };
}

/**
 * The installs a report covers (status, doctor): every one, or the one named (by name or domain); an unknown name
 * is bad input that lists the installs there are.
 */
export function installsNamed(
  state: Pick<ReturnType<Deps['state']>, 'installs' | 'find'>,
  name: string | undefined,
): InstallRecord[] {
  const all = state.installs();
  if (!name) return all;
  const r = state.find(name);
  if (!r)
    throw new UserError(
      `No install named or serving "${name}".`,
      `Installs on this host: ${all.map((i) => i.name).join(', ') || 'none'}.`,
    );
  return [r];
}
