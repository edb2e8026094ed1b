// over 300 lines: the root-safe file primitives share private checks (trusted folders, links, owners) that a split would have to export.

import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, realpath, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, parse, sep } from 'node:path';
import { WizardError } from '../core/errors.js';

/**
 * Root-safe file primitives. The wizard runs as root and hands some folders to container uids, so nothing here
 * follows a link or trusts a folder another uid can change:
 * - every folder on the way to a file root writes is owned by root (or the user running the wizard) and not
 *   writable by others (a sticky folder such as /tmp is fine: no one else can rename root's entries in it);
 *   missing folders are made one at a time and checked, never `mkdir -p` through whatever is there;
 * - temp files get a random name and are opened O_CREAT|O_EXCL|O_NOFOLLOW, then renamed over the target;
 * - modes and owners are set through a descriptor opened O_NOFOLLOW (fchmod, fchown), never by path;
 * - a link, a foreign owner or a non-regular file where the wizard expects its own file stops the run, named.
 */

/** A link, a foreign owner or a writable folder where the wizard expects its own: the run stops, naming it. */
export class UnsafePathError extends WizardError {}

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_WRONLY, O_RDONLY, O_DIRECTORY } = constants;

export interface Owner {
  uid: number;
  gid: number;
}

const asRoot = () => process.getuid?.() === 0;
/** The uids the wizard trusts with the folders it writes through: root and the user running it. */
const trustedUid = (uid: number) => uid === 0 || uid === process.getuid?.();

function kindOf(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a folder';
  if (st.isFile()) return 'a file';
  return 'a special file';
}

const LINK_REMEDY = (path: string) =>
  `The wizard never follows links where another user could have planted them. Look at it (ls -l ${path}); if you did not make it, remove it (rm ${path}) and run the same command again.`;

function foreignOwner(path: string, st: Stats, expected: string): UnsafePathError {
  return new UnsafePathError(
    `${path} is owned by uid ${st.uid}, not ${expected}: the wizard, running as root, does not write where another user can swap what it writes.`,
    `If this is yours (e.g. left by an earlier version of the wizard) and holds nothing you did not put there, give it back to root (chown -h root:root ${path}) and run the same command again; else move it away.`,
  );
}

/** Throws unless this folder can only be changed by a trusted uid. */
function checkTrustedDir(path: string, st: Stats): void {
  if (!trustedUid(st.uid)) throw foreignOwner(path, st, 'root');
  const sticky = (st.mode & 0o1000) !== 0;
  const otherWrite = (st.mode & 0o002) !== 0;
  const groupWrite = (st.mode & 0o020) !== 0 && st.gid !== 0;
  if ((otherWrite || groupWrite) && !sticky)
    throw new UnsafePathError(
      `${path} can be changed by ${otherWrite ? 'any user' : `the group ${st.gid}`} (mode 0${(st.mode & 0o7777).toString(8)}): the wizard, running as root, writes only into folders no other user can change.`,
      `Make it root's alone (chmod go-w ${path}) or choose another folder, then run the same command again.`,
    );
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Makes sure `dir` (absolute) exists and that it and every folder above it can be changed only by a trusted uid.
 * Missing folders are created one at a time (0755, the last one `mode`), then checked. A link on the way is
 * followed only when root owns it, and its target is checked the same way.
 */
export async function ensureTrustedDir(dir: string, mode = 0o755): Promise<void> {
  const { root } = parse(dir);
  const parts = dir.slice(root.length).split(sep).filter(Boolean);
  let cur = root;
  checkTrustedDir(cur, await lstat(cur));
  for (const [i, name] of parts.entries()) {
    const next = join(cur, name);
    let st = await lstatOrUndefined(next);
    const last = i === parts.length - 1;
    if (!st) {
      try {
        await mkdir(next, { mode: last ? mode : 0o755 });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      st = await lstat(next);
      if (st.isDirectory() && last) {
        // umask may have narrowed the mode: set it through a descriptor.
        const fh = await open(next, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        try {
          await fh.chmod(mode);
        } finally {
          await fh.close();
        }
      }
    }
    if (st.isSymbolicLink()) {
      // A link in a folder only root can change was made by root (e.g. /opt -> /srv/opt); its target is checked too.
      if (!trustedUid(st.uid)) throw foreignOwner(next, st, 'root');
      const target = await realpath(next);
      await ensureTrustedDir(target, last ? mode : 0o755);
      cur = target;
      continue;
    }
    if (!st.isDirectory())
      throw new UnsafePathError(
        `${next} is ${kindOf(st)}, not a folder.`,
        `Move it away or choose another path, then run the same command again.`,
      );
    checkTrustedDir(next, st);
    cur = next;
  }
}

/** Opens a folder without following a link at its last component (ELOOP/ENOTDIR are turned into a clear error). */
async function openDirNoFollow(path: string) {
  try {
    return await open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTDIR') {
      const st = await lstat(path);
      if (st.isSymbolicLink()) throw new UnsafePathError(`${path} is a symbolic link.`, LINK_REMEDY(path));
      throw new UnsafePathError(`${path} is ${kindOf(st)}, not a folder.`, 'Move it away, then run again.');
    }
    throw e;
  }
}

/**
 * A folder the wizard owns (root), or hands to a container's uid (`owner`): a leaf made in a trusted parent, its
 * mode and owner set through a descriptor opened without following links. A link there, or a folder owned by a
 * third uid, stops the run. Returns whether it was created.
 */
export async function ensureDir(path: string, mode: number, owner?: Owner): Promise<boolean> {
  const handedOver = owner !== undefined && !trustedUid(owner.uid);
  if (!handedOver) {
    const existed = (await lstatOrUndefined(path)) !== undefined;
    await ensureTrustedDir(path, mode);
    const fh = await openDirNoFollow(path);
    try {
      const st = await fh.stat();
      if ((st.mode & 0o7777) !== mode) await fh.chmod(mode);
      if (owner && asRoot() && (st.uid !== owner.uid || st.gid !== owner.gid))
        await fh.chown(owner.uid, owner.gid);
    } finally {
      await fh.close();
    }
    return !existed;
  }
  await ensureTrustedDir(dirname(path));
  let created = false;
  const before = await lstatOrUndefined(path);
  if (!before) {
    try {
      await mkdir(path, { mode });
      created = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  } else if (before.isSymbolicLink()) {
    throw new UnsafePathError(
      `${path} is a symbolic link, where the wizard expects the folder it gives to uid ${owner.uid}.`,
      LINK_REMEDY(path),
    );
  }
  const fh = await openDirNoFollow(path);
  try {
    const st = await fh.stat();
    // Its own (root, e.g. chowned back by hand) or already the container's: anything else is not the wizard's.
    if (!trustedUid(st.uid) && st.uid !== owner.uid) throw foreignOwner(path, st, `root or ${owner.uid}`);
    if ((st.mode & 0o7777) !== mode) await fh.chmod(mode);
    if (asRoot() && (st.uid !== owner.uid || st.gid !== owner.gid)) await fh.chown(owner.uid, owner.gid);
  } finally {
    await fh.close();
  }
  return created;
}

/**
 * Reads a file the wizard wrote, without following a link at its last component; undefined when there is none.
 * A link there stops the run, named.
 */
export async function readOwnFile(path: string): Promise<string | undefined> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, O_RDONLY | O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new UnsafePathError(`${path} is a symbolic link.`, LINK_REMEDY(path));
    throw e;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile())
      throw new UnsafePathError(`${path} is ${kindOf(st)}, not a file.`, 'Move it away, then run again.');
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

/** The temp name of a write: random, next to the target (so the rename stays in one folder). */
export const tempNameFor = (path: string) =>
  join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}.wizard-tmp`);

/**
 * Writes `content` to `path` atomically: the folders on the way checked (made when missing), a temp file with a
 * random name created exclusively without following links, written, mode and owner set through its descriptor,
 * fsynced, renamed over the target, the folder fsynced. The target, when there, must be a regular file owned by
 * a trusted uid or `owner`: a link or a foreign file stops the run before anything is written.
 */
export async function writeFileSafe(
  path: string,
  content: string,
  mode: number,
  owner?: Owner,
  opts: { tempName?: (path: string) => string } = {},
): Promise<void> {
  const dir = dirname(path);
  await ensureTrustedDir(dir);
  await checkOwnFile(path, owner);
  const name = opts.tempName ?? tempNameFor;
  let tmp = '';
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  for (let attempt = 0; attempt < 5 && !fh; attempt++) {
    tmp = name(path);
    try {
      fh = await open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    } catch (e) {
      // Something (a link, a file) sits at that name: never touched; another name is drawn.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' && (e as NodeJS.ErrnoException).code !== 'ELOOP')
        throw e;
    }
  }
  if (!fh)
    throw new UnsafePathError(
      `Can't create a temp file next to ${path}: every name tried was taken.`,
      `Look at what is in ${dir} (ls -la ${dir}), then run the same command again.`,
    );
  try {
    await fh.writeFile(content);
    await fh.chmod(mode);
    if (owner && asRoot()) await fh.chown(owner.uid, owner.gid);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  const d = await open(dir, O_RDONLY | O_DIRECTORY);
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** Throws unless `path` is missing or a regular file owned by a trusted uid (or `owner`). */
export async function checkOwnFile(path: string, owner?: Owner): Promise<Stats | undefined> {
  const st = await lstatOrUndefined(path);
  if (!st) return undefined;
  if (st.isSymbolicLink()) throw new UnsafePathError(`${path} is a symbolic link.`, LINK_REMEDY(path));
  if (!st.isFile())
    throw new UnsafePathError(`${path} is ${kindOf(st)}, not a file.`, 'Move it away, then run again.');
  if (!trustedUid(st.uid) && st.uid !== owner?.uid)
    throw foreignOwner(path, st, owner && !trustedUid(owner.uid) ? `root or ${owner.uid}` : 'root');
  return st;
}

/** Sets mode (and owner) of a file the wizard wrote, through a descriptor opened without following links. */
export async function setFileMode(path: string, mode: number, owner?: Owner): Promise<void> {
  await ensureTrustedDir(dirname(path));
  await checkOwnFile(path, owner);
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, O_RDONLY | O_NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP')
      throw new UnsafePathError(`${path} is a symbolic link.`, LINK_REMEDY(path));
    throw e;
  }
  try {
    const st = await fh.stat();
    if ((st.mode & 0o7777) !== mode) await fh.chmod(mode);
    if (owner && asRoot() && (st.uid !== owner.uid || st.gid !== owner.gid))
      await fh.chown(owner.uid, owner.gid);
  } finally {
    await fh.close();
  }
}

/**
 * Before root changes a folder handed to a container (e.g. `chown -R` by doctor --fix): its parent only root can
 * change, and the folder itself is a folder, not a link.
 */
export async function checkHandedOverDir(path: string): Promise<void> {
  await ensureTrustedDir(dirname(path));
  const st = await lstat(path);
  if (st.isSymbolicLink()) throw new UnsafePathError(`${path} is a symbolic link.`, LINK_REMEDY(path));
  if (!st.isDirectory())
    throw new UnsafePathError(`${path} is ${kindOf(st)}, not a folder.`, 'Move it away, then run again.');
}
