import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/core/errors.js';
import type { QuestionStep } from '../../src/core/questions.js';
import { BACK, KeyFeed } from '../../src/ui/key-feed.js';
import { splitKeys } from '../../src/ui/keys.js';
import { confirmPrompt, promptFor } from '../../src/ui/prompts.js';
import { waitFor } from '../helpers/factories.js';

const text = (key: string, message = `${key}:`): QuestionStep => ({ key, kind: 'text', message });

/** A keyboard (stdin) and a screen (stderr) the feed owns; `type` sends one chunk, as one network packet does. */
function terminal() {
  const stdin = new PassThrough() as unknown as NodeJS.ReadStream & PassThrough;
  const screen = new PassThrough();
  let shown = '';
  screen.on('data', (c: Buffer) => {
    shown += c.toString();
  });
  const feed = new KeyFeed(stdin, screen as unknown as NodeJS.WriteStream, { escapeMs: 20 });
  return {
    feed,
    type: (s: string) => stdin.write(s),
    end: () => stdin.end(),
    shown: () => shown,
    /** Bytes typed that the feed has not read yet. */
    unread: () => stdin.readableLength,
  };
}

describe('keys', () => {
  it('splits a chunk into keys as readline decodes them', () => {
    expect(splitKeys('ab\u001B[Dc\r\nd\u001Bb\u001B[1;5C\u001BOH')).toEqual({
      keys: ['a', 'b', '\u001B[D', 'c', '\r', 'd', '\u001Bb', '\u001B[1;5C', '\u001BOH'],
      rest: '',
    });
    // An escape sequence cut by the network waits for its end; a lone Esc too.
    expect(splitKeys('x\u001B[1;')).toEqual({ keys: ['x'], rest: '\u001B[1;' });
    expect(splitKeys('\u001B')).toEqual({ keys: [], rest: '\u001B' });
    expect(splitKeys('\u001B\u001B[A')).toEqual({ keys: ['\u001B', '\u001B[A'], rest: '' });
    expect(splitKeys('é😀')).toEqual({ keys: ['é', '😀'], rest: '' });
  });
});

describe('the key feed', () => {
  it('reads every answer of a chunk typed ahead (a paste, a fast typist over SSH) for its own question', async () => {
    const t = terminal();
    t.type('chat.example.com\radmin@example.com\r/srv/chat\ryes\r');
    const domain = await t.feed.run(promptFor(text('domain')));
    const email = await t.feed.run(promptFor(text('email')));
    const dir = await t.feed.run(promptFor({ ...text('dataDir'), initial: '/opt/rc' }));
    const go = await t.feed.run(confirmPrompt('Go ahead and install?'));
    t.feed.stop();
    expect([domain, email, dir, go]).toEqual(['chat.example.com', 'admin@example.com', '/srv/chat', true]);
  });

  it('keeps line edits in a chunk: Left arrows and an insert in the middle', async () => {
    const t = terminal();
    t.type(`chat.exmple.com${'\u001B[D'.repeat(8)}a\r`);
    await expect(t.feed.run(promptFor(text('domain')))).resolves.toBe('chat.example.com');
    t.feed.stop();
  });

  it('keys typed while no question is open wait for the next one', async () => {
    const t = terminal();
    const first = t.feed.run(promptFor(text('domain')));
    t.type('one.example.com\r');
    await expect(first).resolves.toBe('one.example.com');
    t.type('a@example.com\r');
    await waitFor(() => expect(t.unread()).toBe(0));
    await expect(t.feed.run(promptFor(text('email')))).resolves.toBe('a@example.com');
    t.feed.stop();
  });

  it('a pasted Windows line end is one Enter, not an empty answer for the next question', async () => {
    const t = terminal();
    t.type('one\r\ntwo\r\n');
    expect(await t.feed.run(promptFor(text('a')))).toBe('one');
    expect(await t.feed.run(promptFor({ ...text('b'), initial: 'default' }))).toBe('two');
    t.feed.stop();
  });

  it('Esc ends the question with BACK (arrow keys are not Esc), and the keys after it go on', async () => {
    const t = terminal();
    const q = t.feed.run(promptFor(text('email')));
    t.type('half');
    await waitFor(() => expect(t.shown()).toContain('half'));
    t.type('\u001B');
    await expect(q).resolves.toBe(BACK);
    t.type('\u001B[Dx\r');
    await expect(t.feed.run(promptFor({ ...text('domain'), initial: 'a.example.com' }))).resolves.toBe('x');
    t.feed.stop();
  });

  it('Ctrl-C cancels the question (nothing changed), even with keys typed ahead of it', async () => {
    const t = terminal();
    t.type('abc\u0003def\r');
    const err = await t.feed.run(promptFor(text('domain'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as CancelledError).message).toBe('Cancelled at the questions; nothing was changed.');
    expect((err as CancelledError).exitCode).toBe(130);
    t.feed.stop();
  });

  it('Ctrl-C while no question is open calls onInterrupt, and the next question is cancelled', async () => {
    const stdin = new PassThrough() as unknown as NodeJS.ReadStream & PassThrough;
    let interrupted = 0;
    const feed = new KeyFeed(stdin, new PassThrough() as unknown as NodeJS.WriteStream, {
      onInterrupt: () => {
        interrupted++;
      },
    });
    feed.start();
    stdin.write('\u0003');
    await waitFor(() => expect(interrupted).toBe(1));
    await expect(feed.run(promptFor(text('domain')))).rejects.toBeInstanceOf(CancelledError);
    feed.stop();
  });

  it('the end of input (the terminal went away) cancels the question instead of waiting for ever', async () => {
    const t = terminal();
    const q = t.feed.run(promptFor(text('domain')));
    t.type('half');
    await waitFor(() => expect(t.shown()).toContain('half'));
    t.end();
    await expect(q).rejects.toBeInstanceOf(CancelledError);
    t.feed.stop();
  });
});
