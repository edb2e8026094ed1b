import { describe, expect, it } from 'vitest';
import { type QuestionStep, Questions } from '../../src/ui/Questions.js';
import { keys, render } from '../helpers/render.js';

/** A platform question marked secret (e.g. Mastodon's SMTP password) never shows what is typed. */
describe('a secret question', () => {
  it('shows * while typing and after the answer, and hands over the real value', async () => {
    const password: QuestionStep = {
      key: 'smtpPassword',
      kind: 'text',
      message: 'SMTP password:',
      secret: true,
    };
    const from: QuestionStep = { key: 'smtpFrom', kind: 'text', message: 'Sender address:' };
    let done: Record<string, string> | undefined;
    const r = render(
      <Questions
        next={(v) => (v.smtpPassword === undefined ? password : v.smtpFrom === undefined ? from : undefined)}
        onDone={(v) => {
          done = v;
        }}
      />,
    );
    await r.type('hunter2');
    expect(r.frame()).toContain('? SMTP password: *******');
    expect(r.frame()).not.toContain('hunter2');
    await r.type(keys.enter);
    expect(r.frame()).toContain('✔ SMTP password: *******');
    expect(r.frame()).toContain('? Sender address:');
    expect(r.frame()).not.toContain('hunter2');
    await r.type('me@example.com', keys.enter);
    expect(done).toEqual({ smtpPassword: 'hunter2', smtpFrom: 'me@example.com' });
  });
});
