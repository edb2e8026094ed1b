import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '../../dist/cli.js');

/**
 * A person at a real terminal: tmux runs the built wizard in a pseudo-terminal of the size given, `type` and
 * `keys` send what a keyboard (or a paste) sends, `screen` reads what is drawn.
 */
export function terminal(name: string, size: { x: number; y: number } = { x: 150, y: 50 }) {
  const session = `wizard-${name}-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
  const screen = (opts: { escapes?: boolean } = {}) =>
    tmux('capture-pane', '-p', '-J', ...(opts.escapes ? ['-e'] : []), '-S', '-400', '-t', session);
  return {
    /** Runs `env ... node dist/cli.js ARGS`, then prints EXIT=<code> and stays, so the screen can be read. */
    start(args: string[], env: Record<string, string>) {
      const command = [
        'env',
        `PATH=${process.env.PATH}`,
        'TERM=xterm-256color',
        // Ink draws only the last frame when it believes it runs in CI (is-in-ci); a person's terminal is not CI.
        'CI=false',
        ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
        process.execPath,
        CLI,
        ...args,
        ';',
        'echo',
        'EXIT=$?;',
        'sleep',
        '600',
      ].join(' ');
      tmux('new-session', '-d', '-s', session, '-x', String(size.x), '-y', String(size.y), command);
    },
    screen,
    /** Text as one write: a paste, or a fast typist whose keys a laggy link delivers together. */
    type: (text: string) => tmux('send-keys', '-t', session, '-l', text),
    /** Named keys (Enter, Escape, Left, C-u), one write each. */
    keys: (...k: string[]) => {
      for (const key of k) tmux('send-keys', '-t', session, key);
    },
    async waitFor(text: string | RegExp, timeoutMs = 20_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < deadline) {
        last = screen();
        if (typeof text === 'string' ? last.includes(text) : text.test(last)) return last;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`Timed out waiting for ${String(text)}; the screen shows:\n${last}`);
    },
    /** Counts how often `text` is on the screen (and its scrollback). */
    count: (text: string) => screen().split(text).length - 1,
    kill() {
      try {
        tmux('kill-session', '-t', session);
      } catch {
        // already gone
      }
    },
  };
}
