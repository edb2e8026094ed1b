import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  contentPadding,
  decodeHeader,
  decodePax,
  END,
  type EntryHeader,
  encodeHeader,
} from '../../src/system/tar-header.js';

/**
 * The archive digest computed the way the README describes it, independently of the reader: each member's header
 * bytes (a PAX header included) and, for a file, its content's SHA-256, in order, up to the end blocks.
 */
export function digestByHand(file: string): string {
  const b = readFileSync(file);
  const d = createHash('sha256');
  const octal = (at: number, len: number) =>
    Number.parseInt(b.toString('latin1', at, at + len).replace(/[\0 ]+$/, ''), 8) || 0;
  const blocks = (n: number) => Math.ceil(n / 512) * 512;
  let at = 0;
  while (!b.subarray(at, at + 512).every((x) => x === 0)) {
    const start = at;
    let size = octal(at + 124, 12);
    if (b.toString('latin1', at + 156, at + 157) === 'x') {
      const pax = b.toString('utf8', at + 512, at + 512 + size);
      at += 512 + blocks(size);
      size = Number(/ size=(\d+)\n/.exec(pax)?.[1] ?? octal(at + 124, 12));
    }
    const type = b.toString('latin1', at + 156, at + 157);
    at += 512;
    d.update(b.subarray(start, at));
    if (type === '0')
      d.update(
        createHash('sha256')
          .update(b.subarray(at, at + size))
          .digest(),
      );
    at += blocks(size);
  }
  return `sha256-members-v1:${d.digest('hex')}`;
}

/** A member of an archive, as the tampering tests take it apart and put it back together. */
export interface TarMember {
  header: EntryHeader;
  content: Buffer;
}

/** The members of an archive the wizard wrote (parsed with its own header decoder). */
export function membersOf(file: string): TarMember[] {
  const b = readFileSync(file);
  const out: TarMember[] = [];
  const blocks = (n: number) => Math.ceil(n / 512) * 512;
  let at = 0;
  while (!b.subarray(at, at + 512).every((x) => x === 0)) {
    let h = decodeHeader(b.subarray(at, at + 512));
    let pax: Record<string, string> = {};
    if (h.type === 'pax-header') {
      pax = decodePax(b.subarray(at + 512, at + 512 + h.size));
      at += 512 + blocks(h.size);
      h = decodeHeader(b.subarray(at, at + 512));
    }
    const size = pax.size ? Number(pax.size) : h.size;
    at += 512;
    out.push({
      header: {
        name: (pax.path ?? h.name).replace(/\/$/, ''),
        type: h.type === 'directory' ? 'dir' : 'file',
        size,
        mode: h.mode,
        uid: pax.uid ? Number(pax.uid) : h.uid,
        gid: pax.gid ? Number(pax.gid) : h.gid,
        mtime: h.mtime,
      },
      content: Buffer.from(b.subarray(at, at + size)),
    });
    at += blocks(size);
  }
  return out;
}

/** The bytes of an archive of these members, as the wizard's writer lays them out (its own header encoder). */
export function packed(members: TarMember[]): Buffer {
  return Buffer.concat([
    ...members.flatMap((m) => [
      encodeHeader({ ...m.header, size: m.content.length }),
      m.content,
      contentPadding(m.content.length),
    ]),
    END,
  ]);
}
