import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '../../dist/cli.js');

/** Runs the built CLI as automation does: no TTY, stdin closed, checks of this host's Docker and ports off. */
export function wizard(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    input: '',
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NO_COLOR: '1',
      WIZARD_IGNORE_CHECK: 'docker,compose,ports',
      WIZARD_FEED_URL: 'off',
      WIZARD_UPDATE_URL: 'off',
      ...env,
    },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The files under a WIZARD_ROOT, as paths relative to it (the log folder left out). */
export const written = (root: string): string[] =>
  existsSync(root)
    ? readdirSync(root, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => join(d.parentPath, d.name).slice(root.length))
        .filter((f) => !f.startsWith('/var/log/wizard/'))
    : [];
