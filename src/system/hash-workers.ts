import { Worker } from 'node:worker_threads';

/**
 * SHA-256 on another thread while the main thread reads and writes, one pass over each byte: the thread hashes
 * each member's content (the manifest's SHA-256s) and folds every member's header bytes and content SHA-256, in
 * archive order, into the archive's digest (src/core/backup-digest.ts says what it is). Content sits in shared
 * slots (no copy per chunk); a slot is reused once the thread and the write of its bytes are done with it, so
 * reading the next chunk, writing this one and hashing overlap. Small buffers (headers, padding-free in-memory
 * members) are sent as copies.
 */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const slots = workerData.slots.map((s) => new Uint8Array(s));
let member = createHash('sha256');
let digest = createHash('sha256');
parentPort.on('message', (m) => {
  if (m.t === 'slot') {
    member.update(slots[m.s].subarray(0, m.n));
    parentPort.postMessage({ t: 'free', s: m.s });
  } else if (m.t === 'head') {
    digest.update(m.b);
  } else if (m.t === 'data') {
    member.update(m.b);
  } else if (m.t === 'end') {
    const d = member.digest();
    digest.update(d);
    member = createHash('sha256');
    parentPort.postMessage({ t: 'member', hex: d.toString('hex') });
  } else if (m.t === 'finish') {
    parentPort.postMessage({ t: 'digest', hex: digest.digest('hex') });
    digest = createHash('sha256');
  }
});
`;

export const SLOT_BYTES = 1 << 20;
const SLOTS = 8;

export class ArchiveHasher {
  private readonly buffers = Array.from({ length: SLOTS }, () => new SharedArrayBuffer(SLOT_BYTES));
  /** How many users still hold each slot (the thread, the write). */
  private readonly busy = new Array<number>(SLOTS).fill(0);
  private waiting: (() => void)[] = [];
  private readonly worker: Worker;
  private readonly members: ((hex: string) => void)[] = [];
  private readonly digests: ((hex: string) => void)[] = [];

  constructor() {
    this.worker = new Worker(SOURCE, { eval: true, workerData: { slots: this.buffers } });
    this.worker.unref();
    this.worker.on('message', (m: { t: string; s: number; hex: string }) => {
      if (m.t === 'free') this.release(m.s);
      else if (m.t === 'member') this.members.shift()?.(m.hex);
      else this.digests.shift()?.(m.hex);
    });
  }

  /** One user of a slot is done with it (the thread, or the write of its bytes). */
  release(slot: number) {
    this.busy[slot] = (this.busy[slot] ?? 1) - 1;
    const w = this.waiting;
    this.waiting = [];
    for (const f of w) f();
  }

  /** A free slot, as a Buffer over its shared memory. */
  async take(): Promise<{ slot: number; buf: Buffer }> {
    for (;;) {
      const slot = this.busy.indexOf(0);
      if (slot >= 0) return { slot, buf: Buffer.from(this.buffers[slot] as SharedArrayBuffer) };
      await new Promise<void>((r) => this.waiting.push(r));
    }
  }

  /** A member's header bytes (PAX header included), into the digest. */
  header(b: Uint8Array) {
    this.worker.postMessage({ t: 'head', b });
  }

  /** `n` bytes of a slot into the member's hash; the caller's write is the slot's second user (release it after). */
  slot(slot: number, n: number) {
    this.busy[slot] = 2;
    this.worker.postMessage({ t: 'slot', s: slot, n });
  }

  /** Content held in memory into the member's hash. */
  data(b: Uint8Array) {
    this.worker.postMessage({ t: 'data', b });
  }

  /** The member's content is complete: its SHA-256 (hex), also folded into the digest. */
  endMember(): Promise<string> {
    return new Promise((resolve) => {
      this.members.push(resolve);
      this.worker.postMessage({ t: 'end' });
    });
  }

  /** The archive's digest (hex) over everything given so far. */
  finish(): Promise<string> {
    return new Promise((resolve) => {
      this.digests.push(resolve);
      this.worker.postMessage({ t: 'finish' });
    });
  }

  stop() {
    return this.worker.terminate();
  }
}

/** A thread started ahead of the write that will use it (starting an isolate takes a while on a busy host). */
let warm: ArchiveHasher | undefined;

export function warmHashes(): void {
  warm ??= new ArchiveHasher();
}

/** The warmed hasher (once), or a new one. */
export function takeHashes(): ArchiveHasher {
  const h = warm ?? new ArchiveHasher();
  warm = undefined;
  return h;
}
