import type { FileHandle } from 'node:fs/promises';
import {
  BLOCK,
  type DecodedHeader,
  decodeHeader,
  decodePax,
  isZeroBlock,
  paddingOf,
  TarFormatError,
} from './tar-header.js';

/** The archive ends before a block, a member or its padding is complete. */
export class TruncatedError extends Error {}

const CHUNK = 1 << 20;
/** The largest PAX header the reader accepts (the writer's are a few hundred bytes). */
const PAX_MAX = 64 << 10;

/**
 * An archive read front to back from one open descriptor, in 1 MiB reads: exact takes for headers and padding,
 * a stream of views for content. `onChunk` sees every byte read, once, in order (the file's SHA-256, progress).
 */
export class ArchiveInput {
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private at = 0;
  private end = 0;
  /** Bytes read from the file so far. */
  total = 0;

  constructor(
    private readonly fh: FileHandle,
    private readonly onChunk?: (chunk: Buffer, total: number) => void,
  ) {}

  /** Reads more after what is buffered; false at the end of the file. */
  private async fill(): Promise<boolean> {
    if (this.at > 0) {
      this.buf.copy(this.buf, 0, this.at, this.end);
      this.end -= this.at;
      this.at = 0;
    }
    const { bytesRead } = await this.fh.read(this.buf, this.end, this.buf.length - this.end, null);
    if (bytesRead === 0) return false;
    this.total += bytesRead;
    this.onChunk?.(this.buf.subarray(this.end, this.end + bytesRead), this.total);
    this.end += bytesRead;
    return true;
  }

  /** Exactly `n` bytes (n <= 1 MiB), copied; TruncatedError when the file ends first. */
  async take(n: number): Promise<Buffer> {
    while (this.end - this.at < n) if (!(await this.fill())) throw new TruncatedError();
    const out = Buffer.from(this.buf.subarray(this.at, this.at + n));
    this.at += n;
    return out;
  }

  /** `n` bytes as views, each valid until the next is asked for; TruncatedError when the file ends first. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.end === this.at && !(await this.fill())) throw new TruncatedError();
      const k = Math.min(left, this.end - this.at);
      const view = this.buf.subarray(this.at, this.at + k);
      this.at += k;
      left -= k;
      yield view;
    }
  }

  /** How many bytes are left to the end of the file (all read, so the file's hash is whole). */
  async rest(): Promise<number> {
    let n = this.end - this.at;
    this.at = this.end;
    while (await this.fill()) {
      n += this.end - this.at;
      this.at = this.end;
    }
    return n;
  }
}

async function bytes(input: ArchiveInput, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of input.stream(n)) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

/**
 * The next member's header: its fields (a PAX header's path, size and ids applied) and its exact bytes (the PAX
 * header, its records and padding, and the ustar block: what the archive digest covers); 'end' at a zero block.
 */
export async function nextHeader(input: ArchiveInput): Promise<{ h: DecodedHeader; raw: Buffer[] } | 'end'> {
  const block = await input.take(BLOCK);
  if (isZeroBlock(block)) return 'end';
  const h = decodeHeader(block);
  if (h.type !== 'pax-header') return { h, raw: [block] };
  if (h.size > PAX_MAX) throw new TarFormatError('a PAX header over 64 KiB');
  const records = await bytes(input, h.size);
  const pad = await input.take(paddingOf(h.size));
  const pax = decodePax(records);
  const main = await input.take(BLOCK);
  if (isZeroBlock(main)) throw new TarFormatError('a PAX header without its member');
  const m = decodeHeader(main);
  if (m.type === 'pax-header') throw new TarFormatError('two PAX headers in a row');
  return {
    h: {
      ...m,
      name: pax.path ?? m.name,
      linkname: pax.linkpath ?? m.linkname,
      size: pax.size !== undefined ? Number(pax.size) : m.size,
      uid: pax.uid !== undefined ? Number(pax.uid) : m.uid,
      gid: pax.gid !== undefined ? Number(pax.gid) : m.gid,
    },
    raw: [block, records, pad, main],
  };
}
