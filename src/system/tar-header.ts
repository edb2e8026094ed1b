/**
 * POSIX tar (ustar) headers for the backup archives, with a PAX extended header for what ustar can't hold
 * (long or non-ASCII names, sizes over 8 GiB, large ids). Both sides are here: the writer controls its buffers
 * (src/system/archive-write.ts hashes them on another thread as it writes), and the reader
 * (src/system/archive-read.ts) needs each header's exact bytes, which the archive digest covers, and refuses
 * every byte a streaming parser would skip (padding, data after the end).
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

/** A header block or PAX record that is not one the reader accepts. */
export class TarFormatError extends Error {}

/** Entry types by their typeflag, named as tar-stream names them. */
const TYPES: Record<string, string> = {
  '0': 'file',
  '\0': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
  '7': 'contiguous-file',
  x: 'pax-header',
  g: 'pax-global-header',
  L: 'gnu-long-path',
  K: 'gnu-long-link-path',
};

export interface DecodedHeader {
  name: string;
  /** file, directory, symlink, link, character-device, ..., pax-header; '' when unknown. */
  type: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  linkname: string;
}

const cstr = (b: Buffer, offset: number, length: number) => {
  const field = b.subarray(offset, offset + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? length : nul).toString('utf8');
};

function parseOctal(b: Buffer, offset: number, length: number, what: string): number {
  if ((b[offset] ?? 0) & 0x80) throw new TarFormatError(`a binary ${what} field`);
  const text = b
    .subarray(offset, offset + length)
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
  if (!/^[0-7]*$/.test(text)) throw new TarFormatError(`a ${what} field that is not an octal number`);
  return text === '' ? 0 : Number.parseInt(text, 8);
}

export const isZeroBlock = (b: Buffer) => b.every((byte) => byte === 0);

/** One ustar header block, its checksum checked; a zero block is the caller's to judge (the end). */
export function decodeHeader(b: Buffer): DecodedHeader {
  if (b.length !== BLOCK) throw new TarFormatError('a short header block');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (b[i] as number);
  if (parseOctal(b, 148, 8, 'checksum') !== sum) throw new TarFormatError('a header whose checksum is wrong');
  if (b.toString('latin1', 257, 265) !== 'ustar\u000000')
    throw new TarFormatError('a header that is not POSIX ustar');
  const name = cstr(b, 0, 100);
  const prefix = cstr(b, 345, 155);
  const flag = String.fromCharCode(b[156] as number);
  return {
    name: prefix ? `${prefix}/${name}` : name,
    type: TYPES[flag] ?? '',
    size: parseOctal(b, 124, 12, 'size'),
    mode: parseOctal(b, 100, 8, 'mode'),
    uid: parseOctal(b, 108, 8, 'uid'),
    gid: parseOctal(b, 116, 8, 'gid'),
    mtime: parseOctal(b, 136, 12, 'mtime'),
    linkname: cstr(b, 157, 100),
  };
}

/** The PAX keys the reader applies: those the writer writes, and a link's target (to name it when refused). */
const PAX_KEYS = new Set(['path', 'size', 'uid', 'gid', 'linkpath']);

/** PAX records ("LEN key=value\n"), each length exact; a key the reader does not apply is refused. */
export function decodePax(b: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < b.length) {
    const space = b.indexOf(0x20, at);
    const len = Number(b.toString('latin1', at, space));
    if (space < 0 || !Number.isInteger(len) || len <= space - at + 1 || at + len > b.length)
      throw new TarFormatError('a PAX header that does not parse');
    const record = b.subarray(space + 1, at + len);
    if (record[record.length - 1] !== 0x0a) throw new TarFormatError('a PAX record without its newline');
    const text = record.subarray(0, -1).toString('utf8');
    const eq = text.indexOf('=');
    const key = text.slice(0, eq);
    if (eq < 1 || !PAX_KEYS.has(key))
      throw new TarFormatError(`a PAX field the wizard does not write (${key})`);
    const value = text.slice(eq + 1);
    if (key !== 'path' && key !== 'linkpath' && !/^\d+$/.test(value))
      throw new TarFormatError(`a PAX ${key} that is not a number`);
    out[key] = value;
    at += len;
  }
  return out;
}

/** Zeros after `size` bytes of content, up to the next block: how many. */
export const paddingOf = padding;
