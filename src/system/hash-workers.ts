import { Worker } from 'node:worker_threads';

/**
 * SHA-256 on two other threads while the main thread reads and writes: one hashes the whole archive, the other
 * each member. Content sits in shared slots (no copy per chunk); a slot is reused once both threads and the write
 * of its bytes are done with it, so reading the next chunk, writing this one and hashing overlap. Small buffers
 * (headers, padding) are sent as copies.
 */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const slots = workerData.slots.map((s) => new Uint8Array(s));
let hash = createHash('sha256');
parentPort.on('message', (m) => {
  if (m.t === 'slot') {
    hash.update(slots[m.s].subarray(0, m.n));
    parentPort.postMessage({ t: 'free', s: m.s });
  } else if (m.t === 'bytes') {
    hash.update(m.b);
  } else if (m.t === 'digest') {
    parentPort.postMessage({ t: 'digest', hex: hash.digest('hex') });
    hash = createHash('sha256');
  }
});
`;

export const SLOT_BYTES = 1 << 20;
const SLOTS = 8;

class HashThread {
  private readonly worker: Worker;
  private readonly digests: ((hex: string) => void)[] = [];
  constructor(slots: SharedArrayBuffer[], onFree: (slot: number) => void) {
    this.worker = new Worker(SOURCE, { eval: true, workerData: { slots } });
    this.worker.unref();
    this.worker.on('message', (m: { t: string; s: number; hex: string }) => {
      if (m.t === 'free') onFree(m.s);
      else this.digests.shift()?.(m.hex);
    });
  }
  slot(s: number, n: number) {
    this.worker.postMessage({ t: 'slot', s, n });
  }
  bytes(b: Uint8Array) {
    this.worker.postMessage({ t: 'bytes', b });
  }
  digest(): Promise<string> {
    return new Promise((resolve) => {
      this.digests.push(resolve);
      this.worker.postMessage({ t: 'digest' });
    });
  }
  stop() {
    return this.worker.terminate();
  }
}

export class HashPair {
  private readonly buffers = Array.from({ length: SLOTS }, () => new SharedArrayBuffer(SLOT_BYTES));
  /** How many threads still read each slot. */
  private readonly busy = new Array<number>(SLOTS).fill(0);
  private waiting: (() => void)[] = [];
  readonly archive: HashThread;
  readonly member: HashThread;

  constructor() {
    const free = (s: number) => this.release(s);
    this.archive = new HashThread(this.buffers, free);
    this.member = new HashThread(this.buffers, free);
  }

  /** One user of a slot is done with it (a thread, or the write of its bytes). */
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

  /** Hands `n` bytes of a slot to both threads; the caller's write is the slot's third user (release it after). */
  both(slot: number, n: number) {
    this.busy[slot] = 3;
    this.archive.slot(slot, n);
    this.member.slot(slot, n);
  }

  stop() {
    return Promise.all([this.archive.stop(), this.member.stop()]);
  }
}

/** Threads started ahead of the write that will use them (starting two isolates takes a while on a busy host). */
let warm: HashPair | undefined;

export function warmHashes(): void {
  warm ??= new HashPair();
}

/** The warmed pair (once), or a new one. */
export function takeHashes(): HashPair {
  const pair = warm ?? new HashPair();
  warm = undefined;
  return pair;
}
