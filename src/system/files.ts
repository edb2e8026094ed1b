import { accessSync, constants, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { access, lstat, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { FileStore, WriteOutcome } from '../core/context.js';
import { UserError } from '../core/errors.js';
import { EnvironmentError, environmentalError } from '../core/fs-errors.js';
import { hasControlChar, type PathFacts } from '../core/paths.js';
import type { FileSpec } from '../core/plan.js';
import { checkOwnFile, ensureDir, readOwnFile, setFileMode, writeFileSafe } from './safe-fs.js';

/**
 * The file store every step writes through (see safe-fs.ts for the rules): atomic writes with random temp names
 * opened O_EXCL|O_NOFOLLOW in folders only root can change, modes and owners set through descriptors, the previous
 * version kept as PATH.bak, and a link or foreign owner where the wizard expects its own file named, never followed.
 */
export class RealFileStore implements FileStore {
  constructor(private readonly hostPath: (p: string) => string) {}

  real(path: string): string {
    return this.hostPath(path);
  }

  async readText(path: string): Promise<string | undefined> {
    return readOwnFile(this.real(path));
  }

  async exists(path: string): Promise<boolean> {
    try {
      await access(this.real(path), constants.F_OK);
      return true;
    } catch {
      return false;
    }
  }

  async write(spec: FileSpec): Promise<WriteOutcome> {
    const path = this.real(spec.path);
    const existed = spec.kind === 'file' && (await this.exists(spec.path));
    try {
      return await this.writeUnchecked(spec, path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT')
        throw new EnvironmentError(
          `No space left on the disk holding ${dirname(path)}: ${path} was not written${existed ? ' (its previous version is intact)' : ''}.`,
          `Free space there (df -h ${dirname(path)}), then run the same command again: finished steps are kept.`,
        );
      throw environmentalError(e, { path, asRoot: process.getuid?.() === 0 }) ?? e;
    }
  }

  private async writeUnchecked(spec: FileSpec, path: string): Promise<WriteOutcome> {
    const mode = spec.secret ? 0o600 : spec.mode;
    if (spec.kind === 'dir') return (await ensureDir(path, mode, spec.owner)) ? 'created' : 'unchanged';
    const content = spec.content ?? '';
    await checkOwnFile(path, spec.owner);
    const before = await readOwnFile(path);
    if (before === content) {
      await setFileMode(path, mode, spec.owner);
      return 'unchanged';
    }
    // The backup is written like any file (random temp, rename): a full disk never leaves half a .bak.
    if (before !== undefined) await writeFileSafe(`${path}.bak`, before, mode, spec.owner);
    await writeFileSafe(path, content, mode, spec.owner);
    return before === undefined ? 'created' : 'updated';
  }
}

/**
 * What is at a logical path under `root` (WIZARD_ROOT), for the data dir's validation; synchronous, as the question
 * screen validates as you type. A folder's `real` is where its links lead, as a logical path when it stays under
 * the root.
 */
export function pathFacts(root: string, hostPath: (p: string) => string): (path: string) => PathFacts {
  return (path) => {
    const real = hostPath(path);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(real);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') return { kind: 'under-file' };
      // Not ours to look at (e.g. not run as root): the write will say why, with its remedy.
      if (code !== 'ENOENT') return { kind: 'unknown' };
      try {
        // A dangling link is not "missing": something sits there.
        if (lstatSync(real).isSymbolicLink()) return { kind: 'other' };
      } catch {
        // nothing there
      }
      return { kind: 'missing' };
    }
    if (st.isFile()) return { kind: 'file' };
    if (!st.isDirectory()) return { kind: 'other' };
    let empty = false;
    try {
      empty = readdirSync(real).length === 0;
    } catch {
      // unreadable: not empty
    }
    let resolved = real;
    try {
      resolved = realpathSync(real);
      const base = realpathSync(root);
      if (base !== '/' && (resolved === base || resolved.startsWith(`${base}/`)))
        resolved = resolved.slice(base.length) || '/';
    } catch {
      // keep the path as given
    }
    return { kind: 'dir', empty, real: resolved };
  };
}

/**
 * A file the user asks the wizard to write (e.g. `doctor --bundle FILE`), judged before any work: a name in an
 * existing folder the wizard can write. Bad input is exit 2; a read-only or refused folder gets its cause.
 */
export function checkOutputFile(path: string, flag: string): string {
  if (hasControlChar(path) || path.trim() === '')
    throw new UserError(
      `${flag} ${JSON.stringify(path)} is not a file name.`,
      `Give a path such as ${flag} /root/report.tar.gz.`,
    );
  const file = resolve(path);
  const dir = dirname(file);
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(file);
  } catch {
    // not there yet: fine
  }
  if (st?.isDirectory())
    throw new UserError(
      `${flag} ${file} is a folder.`,
      `Give a file name in it, e.g. ${flag} ${file.replace(/\/$/, '')}/wizard-report.tar.gz.`,
    );
  let parent: ReturnType<typeof statSync>;
  try {
    parent = statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new UserError(
        `The folder ${dir} (for ${flag}) does not exist.`,
        `Create it first (mkdir -p ${dir}) or give a file in an existing folder.`,
      );
    throw environmentalError(e, { path: dir }) ?? e;
  }
  if (!parent.isDirectory())
    throw new UserError(`${dir} (for ${flag}) is not a folder.`, 'Give a file in an existing folder.');
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw environmentalError(e, { path: dir, asRoot: process.getuid?.() === 0 }) ?? e;
  }
  return file;
}

/** The permission bits of the file at `path` (links followed); undefined when nothing is there. */
export async function fileModeOf(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.mode & 0o7777,
    () => undefined,
  );
}

/** Who owns what is at `path` itself (a link is not followed); undefined when nothing is there. */
export async function ownerOf(path: string): Promise<{ uid: number; gid: number } | undefined> {
  return lstat(path).then(
    (s) => ({ uid: s.uid, gid: s.gid }),
    () => undefined,
  );
}
