import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hasControl } from '../core/backup.js';
import type { CommandRunner } from '../core/context.js';
import { parseEnv } from '../core/envfile.js';
import { UserError, WizardError } from '../core/errors.js';

/**
 * Off-host copies through restic (Debian's `restic`): a local path, `sftp:user@host:/path` or an S3-compatible
 * `s3:https://host/bucket` repository. restic deduplicates, encrypts and keeps the retention; the wizard hands
 * it the archive it wrote. Credentials never go to argv: the repository password is read by restic from a
 * 0600 file (RESTIC_PASSWORD_FILE), and an S3 key pair or other restic settings from a 0600 env file whose
 * values go to restic's environment.
 */
export interface ResticTarget {
  repo: string;
  /** Real path of the password file. */
  passwordFile: string;
  /** Real path of an optional env file (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...). */
  envFile?: string;
}

export interface Snapshot {
  id: string;
  short_id: string;
  time: string;
  paths: string[];
  tags?: string[];
}

/** restic's own settings a credentials file may give (never argv). */
const ALLOWED =
  /^(RESTIC_[A-Z_]+|AWS_[A-Z_]+|B2_[A-Z_]+|AZURE_[A-Z_]+|GOOGLE_[A-Z_]+|OS_[A-Z_]+|ST_[A-Z_]+)$/;

/** A repository location restic takes, or bad input. */
export function repoProblem(repo: string): string | undefined {
  if (repo.length > 1000 || hasControl(repo)) return 'it has a control character or is too long';
  if (/^(sftp|s3|rest|b2|azure|gs|swift|rclone):/.test(repo)) {
    if (/^s3:/.test(repo) && /\/\/[^/]*@/.test(repo))
      return 'it holds credentials (give them in --repo-env FILE)';
    return undefined;
  }
  if (repo.startsWith('/')) return undefined;
  return 'it is neither an absolute path nor sftp:, s3:, rest:, b2:, azure:, gs:, swift: or rclone:';
}

/** A credentials file must be a regular file of root's (not a link), readable by root only. */
async function checkSecretFile(path: string, flag: string): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (!st)
    throw new UserError(
      `There is no file at ${path} (${flag}).`,
      `Create it (mode 0600), or leave ${flag} out.`,
    );
  const uid = process.getuid?.() ?? st.uid;
  if (!st.isFile() || st.uid !== uid || (st.mode & 0o077) !== 0)
    throw new UserError(
      `${path} (${flag}) must be a regular file of ${uid === 0 ? 'root' : 'this user'} with mode 0600; it is ${st.isSymbolicLink() ? 'a symbolic link' : st.isFile() ? `mode 0${(st.mode & 0o777).toString(8)}, uid ${st.uid}` : 'not a file'}.`,
      `chown root:root ${path} && chmod 600 ${path}`,
    );
}

/**
 * The password file: checked when it exists; else created (0600) with a new random password, and `created`
 * is true so the caller says to keep a copy off the server.
 */
export async function ensurePasswordFile(path: string): Promise<{ created: boolean }> {
  const st = await lstat(path).catch(() => undefined);
  if (st) {
    await checkSecretFile(path, '--repo-password-file');
    return { created: false };
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const fh = await open(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    await fh.writeFile(`${randomBytes(24).toString('base64url')}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { created: true };
}

export class Restic {
  constructor(
    private readonly runner: CommandRunner,
    private readonly target: ResticTarget,
  ) {}

  /** restic's environment: the repository, the password file, and the env file's restic settings. */
  async env(): Promise<Record<string, string>> {
    await checkSecretFile(this.target.passwordFile, '--repo-password-file');
    const extra: Record<string, string> = {};
    if (this.target.envFile) {
      await checkSecretFile(this.target.envFile, '--repo-env');
      const values = parseEnv(await readFile(this.target.envFile, 'utf8')).values;
      for (const [k, v] of Object.entries(values)) if (ALLOWED.test(k) && v !== undefined) extra[k] = v;
    }
    return {
      ...extra,
      RESTIC_REPOSITORY: this.target.repo,
      RESTIC_PASSWORD_FILE: this.target.passwordFile,
      RESTIC_PROGRESS_FPS: '0.5',
    };
  }

  private async run(
    args: string[],
    opts: { signal?: AbortSignal; stdoutFile?: string; reject?: boolean } = {},
  ) {
    return this.runner.run(
      {
        file: 'restic',
        args: ['--no-cache', ...args],
        env: await this.env(),
        ...(opts.stdoutFile ? { stdoutFile: opts.stdoutFile } : {}),
        reject: opts.reject ?? true,
        remedy: `Check the repository ${this.target.repo} and its credentials (--repo-password-file, --repo-env).`,
      },
      opts.signal ? { signal: opts.signal } : {},
    );
  }

  /** Creates the repository when there is none; a wrong password or an unreachable one is an error. */
  async ensureRepo(signal?: AbortSignal): Promise<'found' | 'created'> {
    const r = await this.run(['cat', 'config'], { reject: false, ...(signal ? { signal } : {}) });
    if (r.exitCode === 0) return 'found';
    if (
      /Is there a repository at the following location|does not exist|unable to open config file|no such file/i.test(
        r.stderr,
      )
    ) {
      await this.run(['init'], signal ? { signal } : {});
      return 'created';
    }
    throw new WizardError(
      `restic can't open the repository ${this.target.repo}: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.exitCode}`}`,
      /wrong password/i.test(r.stderr)
        ? 'The password file does not open this repository: pass the one it was created with (--repo-password-file).'
        : 'Check that the repository answers and its credentials (--repo-env for S3 keys).',
    );
  }

  /** Stores the archive; returns the snapshot's id. */
  async store(file: string, install: string, signal?: AbortSignal): Promise<string> {
    const r = await this.run(
      ['backup', '--json', '--host', 'wizard', '--tag', 'wizard', '--tag', `wizard-install=${install}`, file],
      signal ? { signal } : {},
    );
    for (const line of r.stdout.trim().split('\n').reverse()) {
      try {
        const m = JSON.parse(line) as { message_type?: string; snapshot_id?: string };
        if (m.message_type === 'summary' && m.snapshot_id) return m.snapshot_id;
      } catch {}
    }
    throw new WizardError(`restic stored ${file} but did not name the snapshot.`);
  }

  /** Keeps the newest `keep` snapshots of the install and prunes the rest. */
  async forget(install: string, keep: number, signal?: AbortSignal): Promise<void> {
    await this.run(
      // Grouped by tags: every archive has its own file name (restic's default groups by host and paths).
      [
        'forget',
        '--tag',
        `wizard-install=${install}`,
        '--group-by',
        'host,tags',
        '--keep-last',
        String(keep),
        '--prune',
      ],
      signal ? { signal } : {},
    );
  }

  async snapshots(install?: string): Promise<Snapshot[]> {
    const r = await this.run([
      'snapshots',
      '--json',
      '--tag',
      install ? `wizard-install=${install}` : 'wizard',
    ]);
    return (JSON.parse(r.stdout || '[]') as Snapshot[]).sort((a, b) => a.time.localeCompare(b.time));
  }

  /** Writes the snapshot's archive (its one file) to `to`. */
  async fetch(snapshot: Snapshot, to: string, signal?: AbortSignal): Promise<void> {
    const path = snapshot.paths[0];
    if (!path) throw new WizardError(`The snapshot ${snapshot.short_id} holds no file.`);
    await this.run(['dump', snapshot.id, path], { stdoutFile: to, ...(signal ? { signal } : {}) });
  }
}

/** Whether restic is installed. */
export async function resticVersion(runner: CommandRunner): Promise<string | undefined> {
  const r = await runner.run({ file: 'restic', args: ['version'], reject: false }).catch(() => undefined);
  return r?.exitCode === 0 ? r.stdout.trim() : undefined;
}
