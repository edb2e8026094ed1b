import { render } from '@inquirer/testing';
import { describe, expect, it } from 'vitest';
import { validateDomain } from '../../src/core/domain.js';
import { domainQuestion, portQuestion, type QuestionStep } from '../../src/core/questions.js';
import { answeredLine, confirmPrompt, promptFor, withExample } from '../../src/ui/prompts.js';

type Context = { input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream; signal?: AbortSignal };

/** One of our prompts under @inquirer/testing's terminal: the screen as drawn, keys as readline reads them. */
function ask<T>(prompt: (ctx: never) => Promise<T>) {
  return render(
    (_config: object, ctx?: Context) => prompt({ ...ctx, clearPromptOnDone: false } as never),
    {},
  );
}

const domain: QuestionStep = {
  key: 'domain',
  kind: 'text',
  message: 'Domain:',
  example: 'chat.example.com',
  validate: (s) => validateDomain(s),
};

describe('the question prompts (@inquirer/prompts)', () => {
  it('shows an example in the question and the default, which Enter takes', async () => {
    expect(withExample('Domain:', 'chat.example.com')).toBe('Domain (e.g. chat.example.com):');
    expect(withExample('Which chat platform?', 'Rocket.Chat')).toBe(
      'Which chat platform (e.g. Rocket.Chat)?',
    );
    const r = await ask(
      promptFor({ key: 'dataDir', kind: 'text', message: 'Data directory:', initial: '/opt/rc' }),
    );
    expect(r.getScreen()).toBe('? Data directory: (/opt/rc)');
    r.events.keypress('enter');
    await expect(r.answer).resolves.toBe('/opt/rc');
    const d = await ask(promptFor(domain));
    expect(d.getScreen()).toBe('? Domain (e.g. chat.example.com):');
  });

  it('edits the line: Left and insert in the middle, Home/End, Ctrl-A/E/U/W', async () => {
    const r = await ask(promptFor(domain));
    r.events.type('chat.exmple.com');
    for (let i = 0; i < 8; i++) r.events.keypress('left');
    r.events.type('a');
    expect(r.getScreen()).toBe('? Domain (e.g. chat.example.com): chat.example.com');
    // Ctrl-A (start), Ctrl-E (end), Ctrl-W (word back), Ctrl-U (to the start).
    r.events.keypress({ name: 'a', ctrl: true });
    r.events.type('x');
    r.events.keypress({ name: 'e', ctrl: true });
    r.events.type('y');
    expect(r.getScreen()).toBe('? Domain (e.g. chat.example.com): xchat.example.comy');
    r.events.keypress({ name: 'w', ctrl: true });
    expect(r.getScreen()).toBe('? Domain (e.g. chat.example.com): xchat.example.');
    r.events.keypress({ name: 'u', ctrl: true });
    expect(r.getScreen()).toBe('? Domain (e.g. chat.example.com):');
    r.events.type('social.example.org');
    r.events.keypress('home');
    r.events.keypress('delete');
    r.events.keypress('end');
    r.events.keypress('backspace');
    r.events.type('g');
    r.events.keypress('enter');
    await expect(r.answer).resolves.toBe('ocial.example.org');
  });

  it('a refused answer shows the reason and the remedy, keeps the text to fix, and asks again', async () => {
    const r = await ask(promptFor(domain));
    r.events.type('chat_room.example.com');
    r.events.keypress('enter');
    await r.nextRender();
    const screen = r.getScreen();
    expect(screen).toContain('? Domain (e.g. chat.example.com): chat_room.example.com');
    expect(screen).toContain('✖ "chat_room.example.com" has an invalid label "chat_room".');
    expect(screen).toContain('  → Each part between dots is 1-63 letters');
    r.events.keypress({ name: 'u', ctrl: true });
    r.events.type('CHAT.Example.com.');
    r.events.keypress('enter');
    // The kept value is the normalised one.
    await expect(r.answer).resolves.toBe('chat.example.com');
  });

  it('a secret shows * while typed, and the answered line too', async () => {
    const step: QuestionStep = { key: 'smtpPassword', kind: 'text', message: 'SMTP password:', secret: true };
    const r = await ask(promptFor(step));
    r.events.type('hunter2');
    expect(r.getScreen()).toContain('? SMTP password: *******');
    expect(r.getScreen()).not.toContain('hunter2');
    r.events.keypress('enter');
    await expect(r.answer).resolves.toBe('hunter2');
    expect(answeredLine(step, 'hunter2')).toBe('✔ SMTP password: *******');
  });

  it('a choice: descriptions beside the names, the default highlighted, arrows and Enter; the name once answered', async () => {
    const step: QuestionStep = {
      key: 'platform',
      kind: 'select',
      message: 'Which chat platform?',
      initial: 'mattermost',
      choices: [
        { value: 'rocketchat', name: 'Rocket.Chat', description: 'Team chat (MongoDB)' },
        { value: 'mattermost', name: 'Mattermost', description: 'Team chat (PostgreSQL)' },
        { value: 'mastodon', name: 'Mastodon', description: 'Social network' },
      ],
    };
    const r = await ask(promptFor(step));
    const screen = r.getScreen();
    expect(screen).toContain('  Rocket.Chat  Team chat (MongoDB)');
    expect(screen).toContain('❯ Mattermost   Team chat (PostgreSQL)');
    expect(screen).toContain('esc back');
    r.events.keypress('down');
    r.events.keypress('enter');
    await expect(r.answer).resolves.toBe('mastodon');
    expect(answeredLine(step, 'mastodon')).toBe('✔ Which chat platform? Mastodon');
  });

  it('a port question offers the next free port, and takes none where a port may stay unpublished', async () => {
    const app = await ask(promptFor(portQuestion({ key: 'port', what: 'App port', initial: '3001' })));
    expect(app.getScreen()).toBe('? App port on 127.0.0.1: (3001)');
    app.events.type('80');
    app.events.keypress('enter');
    await app.nextRender();
    expect(app.getScreen()).toContain('✖ "80" can\'t be the app port.');
    app.events.keypress({ name: 'u', ctrl: true });
    app.events.keypress('enter');
    await expect(app.answer).resolves.toBe('3001');
    const mongo = await ask(
      promptFor(portQuestion({ key: 'mongodbPort', what: 'MongoDB port', initial: '27018', none: true })),
    );
    mongo.events.type('none');
    mongo.events.keypress('enter');
    await expect(mongo.answer).resolves.toBe('none');
  });

  it('the domain question takes localhost only with --tls none', () => {
    expect(domainQuestion('none').validate?.('localhost')).toEqual({ ok: true, value: 'localhost' });
    expect(domainQuestion('letsencrypt').validate?.('localhost').ok).toBe(false);
  });

  it('yes/no: a typed (or pasted) "yes" is yes; Enter alone is no', async () => {
    const yes = await ask(confirmPrompt('Go ahead and install?'));
    expect(yes.getScreen()).toBe('? Go ahead and install? (y/N)');
    yes.events.type('yes');
    yes.events.keypress('enter');
    await expect(yes.answer).resolves.toBe(true);
    const no = await ask(confirmPrompt('Go ahead and install?'));
    no.events.keypress('enter');
    await expect(no.answer).resolves.toBe(false);
  });
});

describe('a choice list at 80 columns', () => {
  it('keeps each choice on one line: a long description is cut with an ellipsis, never wrapped mid-word', async () => {
    const step: QuestionStep = {
      key: 'platform',
      kind: 'select',
      message: 'Which chat platform?',
      choices: [
        { value: 'rocketchat', name: 'Rocket.Chat', description: 'Team chat (MongoDB)' },
        {
          value: 'mattermost',
          name: 'Mattermost',
          description: 'Team chat with channels, threads, playbooks and calls (PostgreSQL)',
        },
      ],
    };
    const r = await ask(promptFor(step, 80));
    const lines = r.getScreen().split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(79);
    expect(lines.find((l) => l.includes('Mattermost'))).toMatch(/Mattermost\s+Team chat with .*…$/);
    expect(r.getScreen()).toContain('Rocket.Chat  Team chat (MongoDB)');
  });
});
