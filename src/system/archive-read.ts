import { createHash, type Hash } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, type FileHandle, lchown, lutimes, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
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
import { type ArchiveExpectation, formatDigest } from '../core/backup-digest.js';
import { CancelledError, UserError } from '../core/errors.js';
import { ArchiveInput, nextHeader, TruncatedError } from './archive-input.js';
import { BLOCK, isZeroBlock, paddingOf, TarFormatError } from './tar-header.js';

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

const typeWords = (type: string) =>
  type === 'symlink'
    ? 'a symbolic link'
    : type === 'link'
      ? 'a hard link'
      : type
        ? `a ${type}`
        : 'an entry of unknown type';

/**
 * Reads a whole backup archive in one pass, each byte hashed once: every member's SHA-256 against the manifest,
 * the archive digest (src/core/backup-digest.ts) over the headers' exact bytes and those SHA-256s, the layout
 * (the header first, the manifest last, nothing else at the top), the member types, zero padding, and nothing
 * after the end. Symbolic and hard links, devices, fifos, absolute and `..` names are refused at once. With
 * `expect`, the digest (or, for a backup written before digests, the file's SHA-256) must be the one given.
 * With `into` (an empty folder the caller created, root's, 0700), the members are written there as they are
 * read (exclusive creates, never through a link), and their modes and owners are applied only once everything,
 * the expectation included, was verified; on a refusal the caller removes the folder, nothing in it was used.
 */
export async function readArchive(
  file: string,
  opts: {
    into?: string;
    /** With `into`: only the members it accepts are written (the others are read and hashed only). */
    only?: (name: string) => boolean;
    /** What the archive must match, and where that came from ("recorded when the wizard wrote it"). */
    expect?: ArchiveExpectation & { from: string };
    /** Also compute the SHA-256 of the whole file (to check an older backup's record). */
    fileSha256?: boolean;
    signal?: AbortSignal;
    onProgress?: (bytes: number) => void;
  } = {},
): Promise<ReadArchive> {
  const wantFile = opts.fileSha256 || (opts.expect !== undefined && 'sha256' in opts.expect);
  const fileHash = wantFile ? createHash('sha256') : undefined;
  let fh: FileHandle;
  try {
    fh = await open(file, constants.O_RDONLY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw refuse(file, code === 'ENOENT' ? 'it does not exist' : `it can't be read (${code})`);
  }
  const input = new ArchiveInput(fh, (chunk, total) => {
    fileHash?.update(chunk);
    opts.onProgress?.(total);
  });
  const digest = createHash('sha256');
  const read: ManifestMember[] = [];
  const metas: Meta[] = [];
  const names = new Set<string>();
  let header: BackupHeader | undefined;
  let manifest: BackupManifest | undefined;
  let index = 0;

  /** Content of `size` bytes, then its padding (zeros only); each chunk to `sink`. */
  const content = async (name: string, size: number, sink: (c: Buffer) => unknown) => {
    for await (const c of input.stream(size)) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new CancelledError('Interrupted');
      await sink(c);
    }
    const pad = await input.take(paddingOf(size));
    if (!isZeroBlock(pad)) throw refuse(file, `it has data hidden in the padding after ${name}`);
  };

  try {
    for (;;) {
      const next = await nextHeader(input);
      if (next === 'end') break;
      const { h, raw } = next;
      const name = h.name.replace(/\/$/, '');
      const first = index++ === 0;
      if (manifest) throw refuse(file, `a member (${name}) follows the manifest`);
      if (h.type !== 'file' && h.type !== 'directory')
        throw refuse(file, `it holds ${typeWords(h.type)} (${name}${h.linkname ? ` -> ${h.linkname}` : ''})`);
      const problem = memberNameProblem(name);
      if (problem) throw refuse(file, `a member has ${problem} (${JSON.stringify(h.name)})`);
      if (names.has(name)) throw refuse(file, `${name} appears twice`);
      names.add(name);
      if (first !== (name === HEADER_MEMBER)) throw refuse(file, `it does not start with ${HEADER_MEMBER}`);
      for (const b of raw) digest.update(b);
      if (name === HEADER_MEMBER || name === MANIFEST_MEMBER) {
        const limit = name === HEADER_MEMBER ? HEADER_MAX_BYTES : MANIFEST_MAX_BYTES;
        if (h.type !== 'file' || h.size > limit) throw refuse(file, `its ${name} is not a small file`);
        const chunks: Buffer[] = [];
        await content(name, h.size, (c) => chunks.push(Buffer.from(c)));
        const text = Buffer.concat(chunks);
        const sha = createHash('sha256').update(text).digest();
        digest.update(sha);
        try {
          if (name === HEADER_MEMBER) {
            header = JSON.parse(text.toString('utf8')) as BackupHeader;
            read.push({ path: name, type: 'file', size: text.length, sha256: sha.toString('hex') });
          } else manifest = JSON.parse(text.toString('utf8')) as BackupManifest;
        } catch {
          throw refuse(file, `its ${name} is not valid JSON`);
        }
        continue;
      }
      // Never a set-user-id or set-group-id bit: nothing a chat server keeps needs one, and root extracts.
      const meta = { mode: h.mode & 0o1777, uid: h.uid, gid: h.gid, mtime: new Date(h.mtime * 1000) };
      const into = opts.into && (!opts.only || opts.only(name)) ? opts.into : undefined;
      if (h.type === 'directory') {
        if (h.size !== 0) throw refuse(file, `the folder ${name} has content`);
        if (into) {
          await mkdir(join(into, name), { recursive: true, mode: 0o700 });
          metas.push({ path: name, dir: true, ...meta });
        }
        read.push({ path: name, type: 'dir', size: 0 });
        continue;
      }
      const hash: Hash = createHash('sha256');
      let out: FileHandle | undefined;
      if (into) {
        const at = join(into, name);
        await mkdir(join(at, '..'), { recursive: true, mode: 0o700 });
        out = await open(at, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
      }
      try {
        await content(name, h.size, async (c) => {
          hash.update(c);
          if (out) await writeAll(out, c);
        });
      } finally {
        await out?.close();
      }
      const sha = hash.digest();
      digest.update(sha);
      read.push({ path: name, type: 'file', size: h.size, sha256: sha.toString('hex') });
      if (into) metas.push({ path: name, dir: false, ...meta });
    }
    // Two zero blocks end it (nextHeader read the first); nothing may follow.
    const second = await input.take(BLOCK);
    if (!isZeroBlock(second)) throw refuse(file, 'it has data after its end-of-archive block');
    const extra = await input.rest();
    if (extra > 0) throw refuse(file, `it has ${extra} bytes after its end (appended data)`);
  } catch (e) {
    if (e instanceof ArchiveRefused || e instanceof CancelledError) throw e;
    if (e instanceof TruncatedError)
      throw refuse(
        file,
        index === 0 && input.total === 0 ? 'it is empty' : 'it is truncated (it ends early)',
      );
    if (e instanceof TarFormatError)
      throw refuse(file, `it is not a tar archive the wizard wrote (${e.message})`);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') throw e;
    throw refuse(file, `it is not a readable tar archive (${(e as Error).message})`);
  } finally {
    await fh.close();
  }
  if (!header) throw refuse(file, `it has no ${HEADER_MEMBER}: not a backup the wizard wrote`);
  if (!manifest || !Array.isArray(manifest.members))
    throw refuse(file, `it has no ${MANIFEST_MEMBER} at its end`);
  const problems = manifestProblems(read, manifest);
  if (problems.length)
    throw refuse(file, `${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`);
  const result: ReadArchive = {
    digest: formatDigest(digest.digest('hex')),
    ...(fileHash ? { sha256: fileHash.digest('hex') } : {}),
    size: input.total,
    header,
    manifest,
  };
  const want = opts.expect;
  if (want && 'digest' in want && want.digest !== result.digest)
    throw refuse(
      file,
      `its digest is ${result.digest}, not the ${want.digest} ${want.from} (altered, or another file)`,
    );
  if (want && 'sha256' in want && want.sha256 !== result.sha256)
    throw refuse(
      file,
      `its SHA-256 is ${result.sha256}, not the ${want.sha256} ${want.from} (altered, or another file)`,
    );
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
  return result;
}

async function writeAll(out: FileHandle, b: Buffer) {
  let off = 0;
  while (off < b.length) off += (await out.write(b, off, b.length - off)).bytesWritten;
}

/** The header alone (the first member), without reading the rest. */
export async function readHeader(file: string): Promise<BackupHeader> {
  let fh: FileHandle;
  try {
    fh = await open(file, constants.O_RDONLY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new UserError(`There is no backup at ${file}.`, 'wizard backup list shows the backups.');
    throw refuse(file, `it can't be read (${code})`);
  }
  const input = new ArchiveInput(fh);
  try {
    const next = await nextHeader(input);
    if (next === 'end') throw refuse(file, 'it is empty');
    const h = next.h;
    if (h.name !== HEADER_MEMBER || h.type !== 'file' || h.size > HEADER_MAX_BYTES)
      throw refuse(file, `it does not start with ${HEADER_MEMBER}: not a backup the wizard wrote`);
    const chunks: Buffer[] = [];
    for await (const c of input.stream(h.size)) chunks.push(Buffer.from(c));
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as BackupHeader;
    } catch {
      throw refuse(file, `its ${HEADER_MEMBER} is not valid JSON`);
    }
  } catch (e) {
    if (e instanceof ArchiveRefused) throw e;
    if (e instanceof TruncatedError)
      throw refuse(file, input.total === 0 ? 'it is empty' : 'it is truncated');
    if (e instanceof TarFormatError)
      throw refuse(file, `it is not a tar archive the wizard wrote (${e.message})`);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR')
      throw new UserError(`${file} is a folder, not a backup.`, 'wizard backup list shows the backups.');
    throw refuse(file, `it is not a readable tar archive (${(e as Error).message})`);
  } finally {
    await fh.close();
  }
}
