/** What an install will write and run: pure data, shown on the review screen and under --dry-run. */
export interface FileSpec {
  kind: 'file' | 'dir';
  /** Logical host path, e.g. /opt/rocketchat/.env (WIZARD_ROOT is applied when written). */
  path: string;
  mode: number;
  owner?: { uid: number; gid: number };
  /** Owned by this system user and its primary group, looked up in /etc/passwd when written (see ensureSystemUser). */
  user?: string;
  content?: string;
  /** Holds a secret: never shown in the review, written 0600. */
  secret?: boolean;
  description: string;
}

/**
 * A command a step declares: the review lists it, `--dry-run` names it ("[dry run] would run: ..."), and the
 * run hands this same object to the runner. `GET`/`POST` entries are the wizard's own HTTP requests.
 */
export interface CommandSpec {
  file: string;
  args: string[];
  cwd?: string;
  description: string;
  /** Runs only when this holds at run time, in words ("only on an empty database"); otherwise always. */
  when?: string;
  /** Repeated until it answers (a readiness poll or a retry while a service starts). */
  poll?: boolean;
  /** Shown with the error when the command fails. */
  remedy?: string;
  /**
   * Arguments only known at run time, appended to `args`, in words for the review ("--no-deps and the services no
   * stage starts"): a step's run may add them (ExecOptions.extraArgs) only to a command that declares them.
   */
  extraArgs?: string;
  /** The process's extra environment (e.g. git's credentials as a header): never shown, never in argv. */
  env?: Record<string, string>;
}

export interface Plan {
  files: FileSpec[];
  /** Every command of the install's steps, in the order they run (derived from the steps). */
  commands: CommandSpec[];
}

/** The wizard's own HTTP requests are listed with the commands but never reach the runner. */
export function isHttp(c: Pick<CommandSpec, 'file'>): boolean {
  return c.file === 'GET' || c.file === 'POST';
}

export function formatMode(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

export function formatCommand(c: Pick<CommandSpec, 'file' | 'args'>): string {
  return [c.file, ...c.args]
    .map((a) => (/^[A-Za-z0-9_./:=@,+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}
