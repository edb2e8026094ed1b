import { constants } from 'node:fs';
import { lstat, mkdir, mkdtemp, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Archiver } from '../core/backup.js';
import type { CommandRunner } from '../core/context.js';
import { WizardError } from '../core/errors.js';
import { readArchive, readHeader } from './archive-read.js';
import { writeArchive } from './archive-write.js';
import { warmHashes } from './hash-workers.js';

/** Refuses a symbolic link (or a non-folder) at any step from `base` down to `path`'s parent. */
async function noLinksBelow(base: string, path: string): Promise<void> {
  const rel = relative(base, path);
  if (rel.startsWith('..') || rel === '') throw new WizardError(`${path} is not inside ${base}.`);
  let at = base;
  for (const part of rel.split(sep).slice(0, -1)) {
    at = join(at, part);
    const st = await lstat(at).catch(() => undefined);
    if (st && !st.isDirectory())
      throw new WizardError(
        `${at} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}; the restore does not write through it.`,
        'Look at who made it (another user or a container may have), move it away, then restore again.',
      );
    if (!st) await mkdir(at, { mode: 0o755 });
  }
}

/** The real archive side: src/system/archive-write.ts, src/system/archive-read.ts, and folder moves. */
export class RealArchiver implements Archiver {
  constructor(private readonly runner: CommandRunner) {}

  write: Archiver['write'] = (file, sources, opts) => writeArchive(file, sources, opts);
  read: Archiver['read'] = (file, opts) => readArchive(file, opts);
  readHeader: Archiver['readHeader'] = (file) => readHeader(file);
  prepare: NonNullable<Archiver['prepare']> = () => warmHashes();

  async readText(path: string) {
    const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
    if (!fh) return undefined;
    try {
      return (await fh.stat()).isFile() ? await fh.readFile('utf8') : undefined;
    } finally {
      await fh.close();
    }
  }

  async size(path: string) {
    const st = await lstat(path).catch(() => undefined);
    return st?.isFile() ? st.size : undefined;
  }

  async device(path: string) {
    return (await stat(path).catch(() => undefined))?.dev;
  }

  async freshFolder(parent: string, prefix: string) {
    await mkdir(parent, { recursive: true, mode: 0o755 });
    const st = await lstat(parent);
    if (!st.isDirectory() || st.uid !== (process.getuid?.() ?? st.uid))
      throw new WizardError(
        `${parent} is not a folder of the wizard's user; the restore does not extract there.`,
        'Look at who owns it, then restore again.',
      );
    // mkdtemp creates the folder exclusively (0700) under a random name: nothing can be waiting there.
    return mkdtemp(join(parent, prefix));
  }

  async replaceFolder(from: string, to: string, base: string) {
    await noLinksBelow(base, to);
    const old = `${to}.wizard-old-${process.pid}`;
    const before = await lstat(to).catch(() => undefined);
    if (before?.isSymbolicLink())
      throw new WizardError(
        `${to} is a symbolic link; the restore does not write through it.`,
        'Move it away, then restore again.',
      );
    if (before) await rename(to, old);
    try {
      await rename(from, to);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') {
        if (before) await rename(old, to);
        throw e;
      }
      // Another filesystem: copied with owners, modes and times.
      await this.runner.run({ file: 'cp', args: ['-a', '--no-target-directory', '--', from, to] });
    }
    if (before) await rm(old, { recursive: true, force: true });
  }

  async replaceContents(from: string, to: string) {
    const st = await lstat(to);
    if (!st.isDirectory()) throw new WizardError(`${to} is not a folder.`);
    for (const entry of await readdir(to)) await rm(join(to, entry), { recursive: true, force: true });
    for (const entry of await readdir(from)) {
      try {
        await rename(join(from, entry), join(to, entry));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
        await this.runner.run({ file: 'cp', args: ['-a', '--', join(from, entry), `${to}/`] });
      }
    }
    // The volume's own folder takes the backed-up folder's owner and mode.
    const src = await lstat(from);
    const fh = await open(to, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    try {
      await fh.chown(src.uid, src.gid);
      await fh.chmod(src.mode & 0o7777);
    } finally {
      await fh.close();
    }
  }

  async remove(path: string) {
    await rm(path, { recursive: true, force: true });
  }
}
