import { PassThrough } from 'node:stream';
import stripAnsi from 'strip-ansi';
import { describe, expect, it } from 'vitest';
import { askReview, parseReviewAnswer } from '../../src/ui/review-prompt.js';
import { waitFor } from '../helpers/factories.js';

/** A terminal for the prompt: what is typed goes in one write, what it shows is collected. */
function terminal() {
  const stdin = new PassThrough();
  const stderr = new PassThrough();
  // Like process.stderr, it outlives each prompt (a prompt ends the stream it was given).
  stderr.end = () => stderr;
  let shown = '';
  stderr.on('data', (d: Buffer) => {
    shown += d.toString();
  });
  return {
    term: {
      stdin: stdin as unknown as NodeJS.ReadStream,
      stdout: stderr as unknown as NodeJS.WriteStream,
      stderr: stderr as unknown as NodeJS.WriteStream,
      interactive: true,
    },
    type: (text: string) => stdin.write(text),
    shown: () => stripAnsi(shown),
  };
}

const lists = {
  files: [
    {
      path: '/opt/rocketchat/.env',
      mode: '0600',
      kind: 'file' as const,
      description: 'release, domain and the first admin',
      secret: true,
      change: 'create' as const,
    },
  ],
  commands: [{ command: 'docker compose up -d', description: 'start the containers' }],
};

/** The question is on screen (it reads keys from then on). */
const asked = (t: { shown(): string }) =>
  waitFor(() => expect(t.shown()).toContain('Go ahead and install? [y/n, f: files, c: commands]'));

describe('the review question', () => {
  it('reads y, yes, n, no, f, c in any case; Enter is no; anything else is asked again', () => {
    expect(['y', 'YES', ' yes ', 'n', 'No', '', 'f', 'files', 'C'].map(parseReviewAnswer)).toEqual([
      'yes',
      'yes',
      'yes',
      'no',
      'no',
      'no',
      'files',
      'files',
      'commands',
    ]);
    expect(parseReviewAnswer('yep')).toBeUndefined();
  });

  it('takes a `yes` typed fast or pasted in one chunk as yes', async () => {
    const t = terminal();
    const answer = askReview(t.term, lists);
    await asked(t);
    t.type('yes\r');
    expect(await answer).toBe(true);
    expect(t.shown()).toContain('Go ahead and install? [y/n, f: files, c: commands]');
  });

  it('lists the files on f and the commands on c, then asks again; n stops', async () => {
    const t = terminal();
    const answer = askReview(t.term, lists);
    await asked(t);
    t.type('f\r');
    await waitFor(() =>
      expect(t.shown()).toMatch(/Files\n {2}create 0600 \/opt\/rocketchat\/\.env\n {14}release, domain/),
    );
    t.type('c\r');
    await waitFor(() =>
      expect(t.shown()).toMatch(/Commands\n {2}1\. start the containers\n {5}docker compose up -d/),
    );
    t.type('n\r');
    expect(await answer).toBe(false);
  });

  it('says what it takes when the answer is something else', async () => {
    const t = terminal();
    const answer = askReview(t.term, lists);
    await asked(t);
    t.type('yep\r');
    await waitFor(() => expect(t.shown()).toContain('Answer y (install), n (stop), f or c.'));
    t.type('\u0015y\r');
    expect(await answer).toBe(true);
  });
});
