import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { chmod, type FileHandle, lchown, lutimes, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import {
  type BackupHeader,
  type BackupManifest,
  HEADER_MAX_BYTES,
  HEADER_MEMBER,
  MANIFEST_MAX_BYTES,
  MANIFEST_MEMBER,
  type ManifestMember,
  manifestProblems,
  memberNameProblem,
  type ReadArchive,
} from '../core/backup.js';
import { CancelledError, UserError } from '../core/errors.js';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;

/** A backup that is not what the wizard wrote: refused with the reason (exit 2), nothing used. */
export class ArchiveRefused extends UserError {}

const refuse = (file: string, why: string) =>
  new ArchiveRefused(
    `${file} is refused: ${why}.`,
    'Nothing was changed. Use a backup the wizard wrote (wizard backup list), unaltered.',
  );

interface Meta {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  dir: boolean;
}

/**
 * Reads a whole backup archive: its SHA-256, every member's hash and size against the manifest, the layout
 * (the header first, the manifest last, nothing else at the top), and the member types. Symbolic and hard
 * links, devices, fifos, absolute and `..` names are refused at once. With `into` (an empty folder the caller
 * created, root's, 0700), the members are written there as they are read (exclusive creates, never through a
 * link), and their modes and owners are applied only once everything was verified; on a refusal the caller
 * removes the folder.
 */
export async function readArchive(
  file: string,
  opts: {
    into?: string;
    /** With `into`: only the members it accepts are written (the others are read and hashed only). */
    only?: (name: string) => boolean;
    signal?: AbortSignal;
    onProgress?: (bytes: number) => void;
  } = {},
): Promise<ReadArchive> {
  const archiveHash = createHash('sha256');
  let size = 0;
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      archiveHash.update(chunk);
      size += chunk.length;
      opts.onProgress?.(size);
      cb(null, chunk);
    },
  });
  const ex = extract();
  const read: ManifestMember[] = [];
  const metas: Meta[] = [];
  const names = new Set<string>();
  let header: BackupHeader | undefined;
  let manifest: BackupManifest | undefined;
  let index = 0;

  const consume = async () => {
    for await (const entry of ex) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new CancelledError('Interrupted');
      const h = entry.header;
      const name = h.name.replace(/\/$/, '');
      const first = index++ === 0;
      if (manifest) throw refuse(file, `a member (${name}) follows the manifest`);
      if (h.type !== 'file' && h.type !== 'directory')
        throw refuse(
          file,
          `it holds ${h.type === 'symlink' ? 'a symbolic link' : h.type === 'link' ? 'a hard link' : h.type ? `a ${h.type}` : 'an entry of unknown type'} (${name}${h.linkname ? ` -> ${h.linkname}` : ''})`,
        );
      const problem = memberNameProblem(h.name.endsWith('/') ? h.name.slice(0, -1) : h.name);
      if (problem) throw refuse(file, `a member has ${problem} (${JSON.stringify(h.name)})`);
      if (names.has(name)) throw refuse(file, `${name} appears twice`);
      names.add(name);
      if (first !== (name === HEADER_MEMBER)) throw refuse(file, `it does not start with ${HEADER_MEMBER}`);
      if (name === HEADER_MEMBER || name === MANIFEST_MEMBER) {
        const limit = name === HEADER_MEMBER ? HEADER_MAX_BYTES : MANIFEST_MAX_BYTES;
        if (h.type !== 'file' || h.size > limit) throw refuse(file, `its ${name} is not a small file`);
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        const text = Buffer.concat(chunks);
        try {
          if (name === HEADER_MEMBER) {
            header = JSON.parse(text.toString('utf8')) as BackupHeader;
            read.push({
              path: name,
              type: 'file',
              size: text.length,
              sha256: createHash('sha256').update(text).digest('hex'),
            });
          } else manifest = JSON.parse(text.toString('utf8')) as BackupManifest;
        } catch {
          throw refuse(file, `its ${name} is not valid JSON`);
        }
        continue;
      }
      const uid = Number((h.pax as Record<string, string> | null)?.uid ?? h.uid);
      const gid = Number((h.pax as Record<string, string> | null)?.gid ?? h.gid);
      // Never a set-user-id or set-group-id bit: nothing a chat server keeps needs one, and root extracts.
      const meta = { mode: h.mode & 0o1777, uid, gid, mtime: h.mtime };
      const into = opts.into && (!opts.only || opts.only(name)) ? opts.into : undefined;
      if (h.type === 'directory') {
        if (into) await mkdir(join(into, name), { recursive: true, mode: 0o700 });
        read.push({ path: name, type: 'dir', size: 0 });
        if (into) metas.push({ path: name, dir: true, ...meta });
        for await (const _ of entry) {
          // a folder has no content
        }
        continue;
      }
      const hash = createHash('sha256');
      let n = 0;
      let out: FileHandle | undefined;
      if (into) {
        const at = join(into, name);
        await mkdir(join(at, '..'), { recursive: true, mode: 0o700 });
        out = await open(at, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
      }
      try {
        for await (const c of entry) {
          hash.update(c as Buffer);
          n += (c as Buffer).length;
          if (out) await out.write(c as Buffer);
        }
      } finally {
        await out?.close();
      }
      read.push({ path: name, type: 'file', size: n, sha256: hash.digest('hex') });
      if (into) metas.push({ path: name, dir: false, ...meta });
    }
  };

  try {
    await Promise.all([pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), hasher, ex), consume()]);
  } catch (e) {
    ex.destroy();
    if (e instanceof ArchiveRefused || e instanceof CancelledError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') throw e;
    if (code === 'ENOENT' && !opts.into) throw refuse(file, 'it does not exist');
    throw refuse(file, `it is not a readable tar archive (${(e as Error).message})`);
  }
  if (!header) throw refuse(file, `it has no ${HEADER_MEMBER}: not a backup the wizard wrote`);
  if (!manifest || !Array.isArray(manifest.members))
    throw refuse(file, `it has no ${MANIFEST_MEMBER} at its end`);
  const problems = manifestProblems(read, manifest);
  if (problems.length)
    throw refuse(file, `${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`);
  if (opts.into) {
    // Owners and modes once everything is verified; folders last, deepest first, so a 0500 folder is filled first.
    const ordered = [...metas.filter((m) => !m.dir), ...metas.filter((m) => m.dir).reverse()];
    for (const m of ordered) {
      const at = join(opts.into, m.path);
      await lchown(at, m.uid, m.gid);
      await chmod(at, m.mode);
      await lutimes(at, m.mtime, m.mtime);
    }
  }
  return { sha256: archiveHash.digest('hex'), size, header, manifest };
}

/** The header alone (the first member), without reading the rest. */
export async function readHeader(file: string): Promise<BackupHeader> {
  const ex = extract();
  const rs = createReadStream(file, { highWaterMark: 64 << 10 });
  rs.on('error', (e) => ex.destroy(e));
  rs.pipe(ex);
  try {
    for await (const entry of ex) {
      const h = entry.header;
      if (h.name !== HEADER_MEMBER || h.type !== 'file' || h.size > HEADER_MAX_BYTES)
        throw refuse(file, `it does not start with ${HEADER_MEMBER}: not a backup the wizard wrote`);
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      try {
        return JSON.parse(Buffer.concat(chunks).toString('utf8')) as BackupHeader;
      } catch {
        throw refuse(file, `its ${HEADER_MEMBER} is not valid JSON`);
      }
    }
    throw refuse(file, 'it is empty');
  } catch (e) {
    if (e instanceof ArchiveRefused) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new UserError(`There is no backup at ${file}.`, 'wizard backup list shows the backups.');
    if (code === 'EISDIR')
      throw new UserError(`${file} is a folder, not a backup.`, 'wizard backup list shows the backups.');
    throw refuse(file, `it is not a readable tar archive (${(e as Error).message})`);
  } finally {
    rs.destroy();
    ex.destroy();
  }
}
