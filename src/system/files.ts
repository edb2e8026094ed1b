import { constants } from 'node:fs';
import { access, chmod, chown, copyFile, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FileStore, WriteOutcome } from '../core/context.js';
import { WizardError } from '../core/errors.js';
import type { FileSpec } from '../core/plan.js';

/** Writes to temp, fsyncs, sets mode and owner, renames; the previous version is kept as PATH.bak. */
export async function writeFileAtomic(
  path: string,
  content: string,
  mode: number,
  owner?: { uid: number; gid: number },
): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  const tmp = join(dirname(path), `.${basename(path)}.wizard-${process.pid}.tmp`);
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(content);
    await fh.chmod(mode);
    if (owner && process.getuid?.() === 0) await fh.chown(owner.uid, owner.gid);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

export class RealFileStore implements FileStore {
  constructor(private readonly hostPath: (p: string) => string) {}

  real(path: string): string {
    return this.hostPath(path);
  }

  async readText(path: string): Promise<string | undefined> {
    try {
      return await readFile(this.real(path), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
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
    const mode = spec.secret ? 0o600 : spec.mode;
    const asRoot = process.getuid?.() === 0;
    if (spec.kind === 'dir') {
      const existed = await this.exists(spec.path);
      await mkdir(path, { recursive: true, mode });
      await chmod(path, mode);
      if (spec.owner && asRoot) await chown(path, spec.owner.uid, spec.owner.gid);
      return existed ? 'unchanged' : 'created';
    }
    const content = spec.content ?? '';
    const before = await this.readText(spec.path);
    if (before === content) {
      const st = await stat(path);
      if ((st.mode & 0o7777) !== mode) await chmod(path, mode);
      if (spec.owner && asRoot && (st.uid !== spec.owner.uid || st.gid !== spec.owner.gid))
        await chown(path, spec.owner.uid, spec.owner.gid);
      return 'unchanged';
    }
    try {
      if (before !== undefined) {
        // The backup is written like any file (temp, rename): a full disk never leaves half a .bak.
        const bakTmp = join(dirname(path), `.${basename(path)}.bak.wizard-${process.pid}.tmp`);
        try {
          await copyFile(path, bakTmp);
          await chmod(bakTmp, mode);
          await rename(bakTmp, `${path}.bak`);
        } catch (e) {
          await rm(bakTmp, { force: true });
          throw e;
        }
      }
      await writeFileAtomic(path, content, mode, spec.owner);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOSPC' && code !== 'EDQUOT') throw e;
      throw new WizardError(
        `No space left on the disk holding ${dirname(path)}: ${path} was not written${before === undefined ? '' : ' (its previous version is intact)'}.`,
        `Free space there (df -h ${dirname(path)}), then run the same command again: finished steps are kept.`,
      );
    }
    return before === undefined ? 'created' : 'updated';
  }
}
