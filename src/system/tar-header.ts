/**
 * POSIX tar (ustar) headers for the backup writer, with a PAX extended header for what ustar can't hold
 * (long or non-ASCII names, sizes over 8 GiB, large ids). Reading goes through tar-stream; writing is done
 * here so the writer controls its buffers (src/system/archive.ts hashes them on other threads as it writes).
 */
export const BLOCK = 512;

export interface EntryHeader {
  name: string;
  type: 'file' | 'dir';
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
}

function octal(buf: Buffer, offset: number, length: number, value: number): boolean {
  const text = Math.trunc(value).toString(8);
  if (text.length > length - 1) return false;
  buf.write(text.padStart(length - 1, '0'), offset, length - 1, 'ascii');
  buf[offset + length - 1] = 0;
  return true;
}

function block(h: {
  name: string;
  type: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
}) {
  const b = Buffer.alloc(BLOCK);
  b.write(h.name, 0, 100, 'utf8');
  octal(b, 100, 8, h.mode & 0o7777);
  octal(b, 108, 8, h.uid);
  octal(b, 116, 8, h.gid);
  octal(b, 124, 12, h.size);
  octal(b, 136, 12, h.mtime);
  b.write(h.type, 156, 1, 'ascii');
  b.write('ustar\u000000', 257, 8, 'ascii');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return b;
}

/** One PAX record: "LEN key=value\n", LEN counting itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body);
  while (String(len).length + Buffer.byteLength(body) !== len)
    len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

/** The bytes before an entry's content: its header block, preceded by a PAX header when ustar is not enough. */
export function encodeHeader(h: EntryHeader): Buffer {
  const name = h.type === 'dir' && !h.name.endsWith('/') ? `${h.name}/` : h.name;
  const pax: string[] = [];
  const plain = /^[\u0020-\u007e]*$/.test(name) && Buffer.byteLength(name) <= 100;
  if (!plain) pax.push(paxRecord('path', name));
  if (h.size > 0o77777777777) pax.push(paxRecord('size', String(h.size)));
  if (h.uid > 0o7777777) pax.push(paxRecord('uid', String(h.uid)));
  if (h.gid > 0o7777777) pax.push(paxRecord('gid', String(h.gid)));
  const main = block({
    name: plain ? name : name.replace(/[^\u0020-\u007e]/g, '_').slice(-99),
    type: h.type === 'dir' ? '5' : '0',
    size: h.type === 'dir' ? 0 : Math.min(h.size, 0o77777777777),
    mode: h.mode,
    uid: Math.min(h.uid, 0o7777777),
    gid: Math.min(h.gid, 0o7777777),
    mtime: h.mtime,
  });
  if (pax.length === 0) return main;
  const records = Buffer.from(pax.join(''), 'utf8');
  const paxHead = block({
    name: 'PaxHeader',
    type: 'x',
    size: records.length,
    mode: 0o644,
    uid: 0,
    gid: 0,
    mtime: h.mtime,
  });
  return Buffer.concat([paxHead, records, Buffer.alloc(padding(records.length)), main]);
}

/** Zeros after `size` bytes of content, up to the next block. */
export const contentPadding = (size: number) => Buffer.alloc(padding(size));

/** The end of an archive: two zero blocks. */
export const END = Buffer.alloc(2 * BLOCK);
