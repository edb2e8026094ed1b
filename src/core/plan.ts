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

export interface CommandSpec {
  file: string;
  args: string[];
  cwd?: string;
  description: string;
  /**
   * Where a platform's command runs, for the review's order (default: after the containers start); 'start'
   * commands start the stack in stages, in place of the spine's single `up -d`.
   */
  phase?: 'before-up' | 'start' | 'after-ready';
}

export interface Plan {
  files: FileSpec[];
  commands: CommandSpec[];
}

export function formatMode(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

export function formatCommand(c: Pick<CommandSpec, 'file' | 'args'>): string {
  return [c.file, ...c.args]
    .map((a) => (/^[A-Za-z0-9_./:=@,+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}
