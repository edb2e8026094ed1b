import { PassThrough } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { CancelledError } from '../core/errors.js';
import { CTRL_C, ESC, splitKeys } from './keys.js';

/** What a question answers when the user pressed Esc: go back one question. */
export const BACK: unique symbol = Symbol('back');
export type Back = typeof BACK;
const CANCEL = Symbol('cancel');

/** What an @inquirer prompt takes as its context. */
export interface PromptContext {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  signal: AbortSignal;
  /** The prompt erases itself when done: the caller prints the answer (a prompt left by Esc leaves nothing). */
  clearPromptOnDone: boolean;
}

interface Active {
  input: PassThrough;
  controller: AbortController;
  settled: boolean;
}

/**
 * The terminal's keyboard for the question phase, one owner for every prompt in turn. It reads stdin itself
 * (raw mode) and hands the current prompt one key at a time, so keys that arrive in one chunk (a fast typist
 * over a laggy SSH link, a paste of several answers) go to the questions they were typed for: what the first
 * prompt did not read waits for the next one instead of being lost with the first prompt's readline.
 * Esc ends the current prompt with BACK; Ctrl-C cancels it (or, between prompts, calls onInterrupt).
 */
export class KeyFeed {
  private queue: string[] = [];
  private rest = '';
  private restTimer: NodeJS.Timeout | undefined;
  private active: Active | undefined;
  private pumping = false;
  private started = false;
  private interrupted = false;
  private readonly decoder = new StringDecoder('utf8');
  private readonly onData = (chunk: Buffer | string) =>
    this.receive(typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
  /** The terminal went away (end of input, e.g. a dropped SSH session): no answer will come. */
  private readonly onEnd = () => {
    this.queue = [];
    this.interrupted = true;
    if (this.active && !this.active.settled) this.active.controller.abort(CANCEL);
  };

  constructor(
    private readonly stdin: NodeJS.ReadStream,
    private readonly output: NodeJS.WritableStream,
    private readonly opts: {
      /** How long a lone Esc waits for the rest of an escape sequence (an arrow key split by the network). */
      escapeMs?: number;
      /** Ctrl-C while no question is open (e.g. while a check runs). */
      onInterrupt?: () => void;
    } = {},
  ) {}

  /** Starts reading the keyboard; keys typed from now on are kept for the questions. */
  start(): void {
    if (this.started) return;
    this.started = true;
    if (this.stdin.isTTY) this.stdin.setRawMode(true);
    this.stdin.on('data', this.onData);
    this.stdin.on('end', this.onEnd);
    this.stdin.resume();
  }

  /** Gives the keyboard back (raw mode off); keys not read by a question are dropped. */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    clearTimeout(this.restTimer);
    this.stdin.off('data', this.onData);
    this.stdin.off('end', this.onEnd);
    if (this.stdin.isTTY) this.stdin.setRawMode(false);
    this.stdin.pause();
    this.queue = [];
    this.rest = '';
  }

  /**
   * Runs one prompt on the keyboard: resolves with its answer, or BACK when Esc was pressed. Ctrl-C throws
   * CancelledError(cancelled).
   */
  async run<T>(
    prompt: (ctx: PromptContext) => Promise<T>,
    cancelled = 'Cancelled at the questions; nothing was changed.',
  ): Promise<T | Back> {
    if (this.interrupted) throw new CancelledError(cancelled);
    this.start();
    const active: Active = { input: new PassThrough(), controller: new AbortController(), settled: false };
    this.active = active;
    try {
      const answer = prompt({
        input: active.input,
        output: this.output,
        signal: active.controller.signal,
        clearPromptOnDone: true,
      });
      void this.pump();
      return await answer;
    } catch (e) {
      const reason: unknown = active.controller.signal.reason;
      if (active.controller.signal.aborted && reason === BACK) return BACK;
      if (reason === CANCEL || (e instanceof Error && e.name === 'ExitPromptError'))
        throw new CancelledError(cancelled);
      throw e;
    } finally {
      active.settled = true;
      if (this.active === active) this.active = undefined;
      active.input.end();
    }
  }

  private receive(text: string): void {
    clearTimeout(this.restTimer);
    const { keys, rest } = splitKeys(this.rest + text);
    this.rest = rest;
    for (const k of keys) this.accept(k);
    if (rest) {
      this.restTimer = setTimeout(() => {
        const r = this.rest;
        this.rest = '';
        this.accept(r);
        void this.pump();
      }, this.opts.escapeMs ?? 80);
    }
    void this.pump();
  }

  private accept(key: string): void {
    if (key !== CTRL_C) {
      this.queue.push(key);
      return;
    }
    // Ctrl-C wins over whatever was typed ahead of it.
    this.queue = [];
    if (this.active && !this.active.settled) this.active.controller.abort(CANCEL);
    else {
      this.interrupted = true;
      this.opts.onInterrupt?.();
    }
  }

  /** One key at a time, each read by the prompt (and the prompt maybe done) before the next. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.active && !this.active.settled && this.queue.length > 0) {
        const key = this.queue.shift() as string;
        if (key === ESC) {
          this.active.controller.abort(BACK);
          break;
        }
        this.active.input.write(key);
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.pumping = false;
    }
  }
}
