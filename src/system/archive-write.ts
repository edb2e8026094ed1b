import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { type FileHandle, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type ArchiveSource, hasControl, type ManifestMember, type WrittenArchive } from '../core/backup.js';
import { formatDigest } from '../core/backup-digest.js';
import { CancelledError, WizardError } from '../core/errors.js';
import { type ArchiveHasher, takeHashes } from './hash-workers.js';
import { contentPadding, END, encodeHeader } from './tar-header.js';

const { O_RDONLY, O_NOFOLLOW, O_DIRECTORY, O_CREAT, O_EXCL, O_WRONLY } = constants;

/**
 * Every this many bytes written, the disk is asked to catch up (fdatasync, behind the writes): the archive reaches
 * the disk while the rest is read and hashed, so the fsync before the rename waits for the last stretch only,
 * not for the whole archive at once.
 */
const WRITEBACK_BYTES = 64 << 20;

/**
 * Writes a backup archive: to a temp file beside it (created exclusively, 0600), renamed into place once
 * complete and synced, so a failure (a full disk, Ctrl-C) never leaves a partial archive under the final name,
 * nor the temp file. Folders are walked without following links: through each folder's own descriptor
 * (/proc/self/fd/N), files opened with O_NOFOLLOW and judged by fstat, so a link swapped in while the walk
 * runs is left out, never followed. Links, sockets and devices are listed as skipped.
 */
export async function writeArchive(
  file: string,
  sources: ArchiveSource[],
  opts: {
    /** Called once every member is written: returns the manifest's JSON, given the members and what was skipped. */
    finish: (members: ManifestMember[], skipped: { path: string; why: string }[]) => Promise<string>;
    signal?: AbortSignal;
    onProgress?: (bytes: number) => void;
  },
): Promise<WrittenArchive> {
  const partial = join(dirname(file), `.${basename(file)}.partial-${randomBytes(6).toString('hex')}`);
  let out: FileHandle | undefined;
  let w: Writer | undefined;
  const hashes = takeHashes();
  try {
    out = await open(partial, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    w = new Writer(out, hashes, opts);
    for (const s of sources) {
      if (s.kind === 'bytes') await w.bytes(s.name, Buffer.from(s.content), true);
      else if (s.kind === 'file') await w.path(s.name, s.path, false);
      else await w.path(s.name, s.path, true);
    }
    await w.flush();
    const manifest = Buffer.from(await opts.finish(w.members, w.skipped));
    await w.bytes('manifest.json', manifest, false);
    await w.raw(END);
    await w.flush();
    await out.sync();
    await out.close();
    out = undefined;
    const digest = formatDigest(await hashes.finish());
    await rename(partial, file);
    const dir = await open(dirname(file), O_RDONLY | O_DIRECTORY);
    await dir.sync().finally(() => dir.close());
    return { file, digest, size: w.written, members: w.members, skipped: w.skipped };
  } catch (e) {
    // Writes still queued finish (or fail) before the file is closed and removed.
    await w?.settle();
    await out?.close().catch(() => undefined);
    await rm(partial, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT')
      throw new WizardError(
        `No space left on the disk holding ${dirname(file)}: the backup was not written (no partial archive is left).`,
        `Free space there (df -h ${dirname(file)}), or write the backup elsewhere with --to DIR.`,
      );
    throw e;
  } finally {
    await hashes.stop();
  }
}

class Writer {
  written = 0;
  readonly members: ManifestMember[] = [];
  readonly skipped: { path: string; why: string }[] = [];

  constructor(
    private readonly out: FileHandle,
    private readonly hashes: ArchiveHasher,
    private readonly opts: { signal?: AbortSignal; onProgress?: (bytes: number) => void },
  ) {}

  /** Writes run one after another, behind the reads: `pending` is the last one queued. */
  private pending: Promise<void> = Promise.resolve();
  private failed: unknown;
  /** Bytes written since the last writeback started; the writeback running (at most one). */
  private unsynced = 0;
  private syncing: Promise<void> | undefined;
  private readonly digests: Promise<string>[] = [];

  /** Bytes outside any member's content and header (padding, the end): written, not hashed (a reader checks them). */
  async raw(b: Buffer) {
    this.queue(b);
  }

  /** A member's header: written, and its bytes folded into the digest. */
  private head(b: Buffer) {
    this.hashes.header(b);
    this.queue(b);
  }

  /** Queues a write; a failed write (a full disk) fails the next call and the end. */
  private queue(b: Buffer | Uint8Array, done?: () => void) {
    if (this.failed) throw this.failed;
    this.pending = this.pending.then(async () => {
      if (this.failed) return;
      try {
        let off = 0;
        while (off < b.length) {
          const { bytesWritten } = await this.out.write(b, off, b.length - off);
          off += bytesWritten;
        }
        this.written += b.length;
        this.unsynced += b.length;
        if (this.unsynced >= WRITEBACK_BYTES && !this.syncing) this.writeback();
        this.opts.onProgress?.(this.written);
      } catch (e) {
        this.failed = e;
      } finally {
        done?.();
      }
    });
  }

  /** Starts the disk on what is written so far; the writes go on meanwhile. A failure (ENOSPC) fails the write. */
  private writeback() {
    this.unsynced = 0;
    this.syncing = this.out.datasync().then(
      () => {
        this.syncing = undefined;
      },
      (e) => {
        this.failed ??= e;
        this.syncing = undefined;
      },
    );
  }

  /** Waits for the queued writes and the writeback, whatever their outcome. */
  async settle(): Promise<void> {
    await this.pending;
    await this.syncing;
  }

  /** Every queued write done, and every member's SHA-256 known. */
  async flush(): Promise<void> {
    await this.settle();
    if (this.failed) throw this.failed;
    const hexes = await Promise.all(this.digests);
    let i = 0;
    for (const m of this.members) if (m.type === 'file' && m.sha256 === undefined) m.sha256 = hexes[i++];
  }

  /** A member held in memory (the header, the manifest). */
  async bytes(name: string, content: Buffer, listed: boolean) {
    const mtime = Math.floor(Date.now() / 1000);
    this.head(encodeHeader({ name, type: 'file', size: content.length, mode: 0o600, uid: 0, gid: 0, mtime }));
    this.hashes.data(content);
    await this.raw(Buffer.concat([content, contentPadding(content.length)]));
    const sha = this.hashes.endMember();
    if (listed) {
      this.digests.push(sha);
      this.members.push({ path: name, type: 'file', size: content.length });
    }
  }

  /** A file, or a folder walked without following links. A missing path is left out silently. */
  async path(name: string, path: string, tree: boolean) {
    let fh: FileHandle;
    try {
      fh = await open(path, O_RDONLY | O_NOFOLLOW | (tree ? O_DIRECTORY : 0));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code === 'ELOOP' || code === 'ENOTDIR') {
        this.skipped.push({ path: name, why: code === 'ELOOP' ? 'a symbolic link' : 'not a folder' });
        return;
      }
      throw e;
    }
    try {
      const st = await fh.stat();
      if (st.isDirectory()) await this.dir(name, fh, st);
      else if (st.isFile()) await this.file(name, fh, st);
      else this.skipped.push({ path: name, why: 'not a regular file' });
    } finally {
      await fh.close();
    }
  }

  private async dir(name: string, fh: FileHandle, st: Stats) {
    this.head(encodeHeader({ name, type: 'dir', size: 0, ...meta(st) }));
    this.members.push({ path: name, type: 'dir', size: 0 });
    const here = `/proc/self/fd/${fh.fd}`;
    const entries = (await readdir(here)).sort();
    for (const entry of entries) {
      const child = `${name}/${entry}`;
      if (hasControl(entry) || entry.includes('\\')) {
        this.skipped.push({ path: child, why: 'a name with a control character or backslash' });
        continue;
      }
      let sub: FileHandle;
      try {
        sub = await open(`${here}/${entry}`, O_RDONLY | O_NOFOLLOW | constants.O_NONBLOCK);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') continue;
        if (code === 'ELOOP') {
          this.skipped.push({ path: child, why: 'a symbolic link' });
          continue;
        }
        if (code === 'ENXIO' || code === 'EOPNOTSUPP') {
          this.skipped.push({ path: child, why: 'a socket or device' });
          continue;
        }
        throw e;
      }
      try {
        const cst = await sub.stat();
        if (cst.isDirectory()) await this.dir(child, sub, cst);
        else if (cst.isFile()) await this.file(child, sub, cst);
        else this.skipped.push({ path: child, why: 'not a regular file (a socket, pipe or device)' });
      } finally {
        await sub.close();
      }
    }
  }

  private async file(name: string, fh: FileHandle, st: Stats) {
    const size = st.size;
    this.head(encodeHeader({ name, type: 'file', size, ...meta(st) }));
    let pos = 0;
    let short = false;
    while (pos < size) {
      if (this.opts.signal?.aborted) throw this.opts.signal.reason ?? new CancelledError('Interrupted');
      if (this.failed) throw this.failed;
      const { slot, buf } = await this.hashes.take();
      const want = Math.min(buf.length, size - pos);
      let { bytesRead } = await fh.read(buf, 0, want, pos);
      if (bytesRead === 0) {
        // The file shrank while it was read: its declared size is kept, filled with zeros (and said so).
        buf.fill(0, 0, want);
        bytesRead = want;
        short = true;
      }
      this.hashes.slot(slot, bytesRead);
      this.queue(buf.subarray(0, bytesRead), () => this.hashes.release(slot));
      pos += bytesRead;
    }
    await this.raw(contentPadding(size));
    // Its SHA-256 arrives later (the thread hashes behind the reads); flush() fills it in, in order.
    this.digests.push(this.hashes.endMember());
    this.members.push({ path: name, type: 'file', size });
    if (short) this.skipped.push({ path: name, why: 'it shrank while it was read (filled with zeros)' });
  }
}

const meta = (st: Stats) => ({
  mode: st.mode & 0o7777,
  uid: st.uid,
  gid: st.gid,
  mtime: Math.floor(st.mtimeMs / 1000),
});
