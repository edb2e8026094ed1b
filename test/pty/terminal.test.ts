import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpRoot } from '../helpers/tmp.js';

/**
 * A person at a real terminal: tmux runs the built wizard in a pseudo-terminal, send-keys types the
 * answers, capture-pane reads the screen.
 */
const CLI = join(import.meta.dirname, '../../dist/cli.js');
const session = `wizard-pty-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', session);
const keys = (...k: string[]) => tmux('send-keys', '-t', session, ...k);

async function waitFor(text: string | RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = screen();
    if (typeof text === 'string' ? last.includes(text) : text.test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Timed out waiting for ${String(text)}; the screen shows:\n${last}`);
}

describe('the wizard in a terminal', () => {
  afterEach(() => {
    try {
      tmux('kill-session', '-t', session);
    } catch {
      // already gone
    }
  });

  it('asks the questions, shows a bad domain and its remedy, reviews, and changes nothing on "no"', async () => {
    const root = tmpRoot('wizard-pty-');
    const command = [
      'env',
      `PATH=${process.env.PATH}`,
      `WIZARD_ROOT=${root}`,
      'WIZARD_IGNORE_CHECK=docker,compose,ports',
      'TERM=xterm-256color',
      // Ink draws only the last frame when it believes it runs in CI (is-in-ci); a person's terminal is not CI.
      'CI=false',
      process.execPath,
      CLI,
      '--tls',
      'none',
      '--offline',
      '--port',
      '3977',
      ';',
      'echo',
      'EXIT=$?;',
      'sleep',
      '60',
    ].join(' ');
    tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '50', command);

    await waitFor('Which chat platform?');
    expect(screen()).toContain('❯ Rocket.Chat');
    keys('Enter');
    await waitFor('? Domain:');
    keys('-l', 'chat_room.example.com');
    keys('Enter');
    await waitFor('has an invalid label "chat_room"');
    expect(screen()).toContain('→ Each part between dots is 1-63 letters');
    keys(...Array(21).fill('BSpace'));
    keys('-l', 'chat.example.com');
    keys('Enter');
    await waitFor("? Email (for Let's Encrypt and the admin account):");
    keys('-l', 'admin@example.com');
    keys('Enter');
    await waitFor('? Rocket.Chat release:');
    keys('Enter');
    await waitFor('? Data directory:');
    keys('Enter');
    await waitFor('? Admin username:');
    keys('-l', 'boss');
    keys('Enter');
    const review = await waitFor('Go ahead and install?');
    expect(review).toContain('Review: installing Rocket.Chat');
    expect(review).toContain('Domain          chat.example.com');
    expect(review).toContain('Admin username  boss');
    // The files are one key away.
    keys('f', 'Enter');
    await waitFor(`${root}/opt/rocketchat/.env`);
    keys('n', 'Enter');
    const end = await waitFor(/EXIT=\d+/);
    expect(end).toContain('Nothing was changed.');
    expect(end).toContain('EXIT=130');
    expect(existsSync(join(root, 'opt'))).toBe(false);
    expect(existsSync(join(root, 'var/lib/wizard/state.json'))).toBe(false);
  });
});
