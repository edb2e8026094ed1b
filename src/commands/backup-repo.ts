import { CancelledError, UserError } from '../core/errors.js';
import { ensurePasswordFile, Restic, repoProblem, resticVersion } from '../system/restic.js';
import { folderFlag } from './backup-common.js';
import type { Deps } from './deps.js';

/** The default restic password file (a logical host path: under WIZARD_ROOT it is inside it). */
export const DEFAULT_PASSWORD_FILE = '/var/lib/wizard/restic-password';

export interface RepoTarget {
  repo: string;
  /** Logical path of the password file. */
  passwordFile: string;
  restic: Restic;
}

/** --repo and its credentials, checked (bad input is exit 2 before anything runs). */
export async function repoTarget(
  deps: Deps,
  opts: { repo?: string; repoPasswordFile?: string; repoEnv?: string },
): Promise<RepoTarget> {
  const repo = opts.repo ?? '';
  const problem = repoProblem(repo);
  if (problem)
    throw new UserError(
      `--repo ${JSON.stringify(repo)} is refused: ${problem}.`,
      'Pass a local path (/srv/restic), sftp:user@host:/path or s3:https://host/bucket.',
    );
  const passwordFile = folderFlag('--repo-password-file', opts.repoPasswordFile) ?? DEFAULT_PASSWORD_FILE;
  const envFile = folderFlag('--repo-env', opts.repoEnv);
  // A local repository is a host path like every other: under WIZARD_ROOT it is inside it.
  const real = repo.startsWith('/') ? deps.env.hostPath(repo) : repo;
  return {
    repo,
    passwordFile,
    restic: new Restic(deps.runner, {
      repo: real,
      passwordFile: deps.env.hostPath(passwordFile),
      ...(envFile ? { envFile: deps.env.hostPath(envFile) } : {}),
    }),
  };
}

/**
 * restic installed (offered with apt-get on a "yes"), the password file there (made when missing, with a
 * note to keep a copy elsewhere), the repository opened or created.
 */
export async function resticReady(deps: Deps, target: RepoTarget, yes: boolean): Promise<void> {
  if (!(await resticVersion(deps.runner))) {
    if (!yes) {
      if (!deps.term.interactive)
        throw new UserError(
          'restic is not installed, and there is no terminal to ask whether to install it.',
          'Pass --yes to install it (apt-get install restic), or install it yourself.',
        );
      const { confirm } = await import('../ui/screens.js');
      if (!(await confirm(deps.term, 'restic is not installed. Install it now (apt-get install restic)?')))
        throw new CancelledError('Nothing was changed: --repo needs restic.');
    }
    deps.term.stderr.write('Installing restic (apt-get install restic)...\n');
    await deps.runner.run({
      file: 'apt-get',
      args: ['install', '-y', '--no-install-recommends', 'restic'],
      env: { DEBIAN_FRONTEND: 'noninteractive' },
      timeoutMs: 600_000,
      remedy: 'Install restic yourself (apt-get update && apt-get install restic), then run this again.',
    });
  }
  const made = await ensurePasswordFile(deps.env.hostPath(target.passwordFile));
  if (made.created)
    deps.term.stderr.write(
      `⚠ A new restic repository password is in ${deps.env.hostPath(target.passwordFile)} (0600).\n  → Keep a copy OFF this server: without it, the backups in ${target.repo} can't be read.\n`,
    );
  const opened = await target.restic.ensureRepo();
  if (opened === 'created') deps.term.stderr.write(`Created the restic repository ${target.repo}.\n`);
}
