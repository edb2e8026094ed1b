import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpRoot } from '../helpers/tmp.js';
import { terminal } from '../helpers/tmux.js';

/**
 * A person at a real terminal: tmux runs the built wizard in a pseudo-terminal, types the answers (one write
 * for many, as a paste or a laggy SSH link delivers them), and reads the screen. Docker is not needed: its
 * checks are ignored and the run stops at the review (the real install is test/e2e/terminal.e2e.test.ts).
 */
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
const LEFT = '\u001B[D';
const unpublished = ['--mongodb-port', 'none', '--nats-port', 'none', '--metrics-port', 'none'];

describe('the wizard in a terminal', () => {
  let t: ReturnType<typeof terminal> | undefined;
  afterEach(() => t?.kill());

  it('reads every answer typed in one write, edits with Left, goes back with Esc, and changes nothing on "no"', async () => {
    const root = tmpRoot('wizard-pty-');
    const port = await freePort();
    t = terminal('answers');
    t.start(['--tls', 'none', '--offline', '--port', String(port), ...unpublished], {
      WIZARD_ROOT: root,
      WIZARD_IGNORE_CHECK: 'docker,compose',
    });
    await t.waitFor('Which chat platform?');
    expect(t.screen()).toContain('❯ Rocket.Chat');
    // One write: the platform (Enter), a domain with a typo fixed by 8 × Left and an insert, the email, the
    // release and the data directory (their defaults).
    t.type(`\rchat.exmple.com${LEFT.repeat(8)}a\radmin@example.com\r\r\r`);
    await t.waitFor('? Admin username:');
    const answered = t.screen();
    expect(answered).toContain('✔ Which chat platform? Rocket.Chat');
    expect(answered).toContain('✔ Domain or address (e.g. chat.example.com, or localhost): chat.example.com');
    expect(answered).toContain('✔ Email of the first admin (e.g. admin@example.com): admin@example.com');
    expect(answered).toContain('✔ Data directory: /opt/rocketchat');
    expect(answered).toMatch(/✔ Ports\s+\d+ free/);
    // Esc: back one question, its earlier answer as the default; Ctrl-U clears the line.
    t.keys('Escape');
    await t.waitFor('? Data directory: (/opt/rocketchat)');
    // The question judges the folder as --data-dir does (one validation): a home folder is refused, named.
    t.type('/home/x\r');
    await t.waitFor("/home/x is in a home folder: the wizard will not make it an install's data dir");
    t.keys('C-u');
    t.type('/srv/chat\r');
    await t.waitFor('? Admin username:');
    t.type('boss\r');
    const review = await t.waitFor('Go ahead and install?');
    expect(review).toContain('Domain          chat.example.com');
    expect(review).toContain(`Data directory  ${root}/srv/chat`);
    expect(review).toContain('Admin username  boss');
    // The files are one key away.
    t.type('f\r');
    await t.waitFor(`${root}/srv/chat/.env`);
    t.type('n\r');
    const end = await t.waitFor(/EXIT=\d+/);
    expect(end).toContain('Nothing was changed.');
    expect(end).toContain('EXIT=130');
    expect(existsSync(join(root, 'srv'))).toBe(false);
    expect(existsSync(join(root, 'var/lib/wizard/state.json'))).toBe(false);
  });

  it('a wrong answer is asked again with the reason and its remedy', async () => {
    const root = tmpRoot('wizard-pty-');
    t = terminal('refused');
    t.start(['--platform', 'mattermost', '--offline', '--port', String(await freePort())], {
      WIZARD_ROOT: root,
      WIZARD_IGNORE_CHECK: 'docker,compose,ports',
    });
    await t.waitFor('? Domain (e.g. chat.example.com):');
    t.type('chat_room.example.com\r');
    await t.waitFor('✖ "chat_room.example.com" has an invalid label "chat_room".');
    expect(t.screen()).toContain('→ Each part between dots is 1-63 letters');
    // The refused text stays on the line to fix: Home, then Delete × 9 and the right label.
    t.keys('Home', ...Array(9).fill('DC'));
    t.type('chat\r');
    await t.waitFor("? Email for Let's Encrypt and the first admin (e.g. admin@example.com):");
    t.keys('C-c');
    const end = await t.waitFor(/EXIT=\d+/);
    expect(end).toContain('Cancelled at the questions; nothing was changed.');
    expect(end).toContain('EXIT=130');
  });

  it('keeps flags given before the platform is picked, and shows no colour under NO_COLOR', async () => {
    const root = tmpRoot('wizard-pty-');
    t = terminal('kept');
    t.start(
      [
        '--tls',
        'none',
        '--offline',
        '--port',
        String(await freePort()),
        '--streaming-port',
        String(await freePort()),
        '--owner-username',
        'boss',
        '--smtp-host',
        'none',
      ],
      { WIZARD_ROOT: root, WIZARD_IGNORE_CHECK: 'docker,compose', NO_COLOR: '1' },
    );
    await t.waitFor('Which chat platform?');
    t.keys('Down', 'Down', 'Enter');
    await t.waitFor('✔ Which chat platform? Mastodon');
    t.type('localhost\radmin@example.com\r\r\r');
    const review = await t.waitFor('Go ahead and install?');
    expect(review).toMatch(/Owner username\s+boss/);
    expect(review).toMatch(/Streaming API port\s+\d+/);
    expect(review).not.toContain('? Streaming API port');
    expect(review).not.toContain('? Owner username');
    // No colour anywhere: questions, checks, review.
    const colour = new RegExp(`${String.fromCharCode(27)}\\[(3[0-7]|9[0-7]|38;)`);
    expect(t.screen({ escapes: true })).not.toMatch(colour);
    t.type('no\r');
    expect(await t.waitFor(/EXIT=\d+/)).toContain('EXIT=130');
  });

  it('refuses a flag the picked platform does not take: exit 2, naming the platforms it is for', async () => {
    const root = tmpRoot('wizard-pty-');
    t = terminal('refuse');
    t.start(['--tls', 'none', '--owner-username', 'boss'], {
      WIZARD_ROOT: root,
      WIZARD_IGNORE_CHECK: 'docker,compose,ports',
    });
    await t.waitFor('Which chat platform?');
    t.keys('Enter');
    const end = await t.waitFor(/EXIT=\d+/);
    expect(end).toContain('✖ --owner-username does not apply to Rocket.Chat: it is for Mastodon.');
    expect(end).toContain('→ Drop --owner-username, or install Mastodon.');
    expect(end).toContain('EXIT=2');
    expect(existsSync(join(root, 'opt'))).toBe(false);
  });

  it("wraps help and remedies at the terminal's width (60 columns), each under its own text", async () => {
    t = terminal('narrow', { x: 60, y: 50 });
    t.start(['install', '--help'], {});
    const help = await t.waitFor(/EXIT=0/);
    const lines = help.split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(60);
    expect(help).toContain(
      '  2    bad input: a flag, answer or answers file, or a\n       missing answer without a terminal',
    );
    t.kill();
    t = terminal('narrow-error', { x: 60, y: 20 });
    t.start(['install', '--domain', 'https://chat.example.com'], { WIZARD_ROOT: tmpRoot('wizard-pty-') });
    const error = await t.waitFor(/EXIT=2/);
    expect(error).toContain(
      '  → Give only the host name, e.g. chat.example.com (no\n    https://, no path).',
    );
  });
});
