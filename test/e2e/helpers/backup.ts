import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from '../../../src/core/envfile.js';
import type { E2eInstall } from './install.js';

/** What the backup e2e tests share: an install's state record, its compose command, its env files. */

export function stateOf(root: string): {
  installs: Record<
    string,
    { project: string; dataDir: string; composeFiles: string[]; release: string; status: string }
  >;
  backups?: { file: string; digest?: string; sha256?: string; install: string; kind: string; size: number }[];
  removed?: Record<string, { purged: boolean }>;
} {
  try {
    return JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8'));
  } catch {
    return { installs: {} };
  }
}

/** `docker compose ARGS` on the install `name` under `root`, as the wizard runs it. */
export function composeIn(root: string, name: string, args: string[], input?: string): string {
  const r = stateOf(root).installs[name];
  if (!r) throw new Error(`no install ${name} under ${root}`);
  const dir = join(root, r.dataDir);
  return execFileSync(
    'docker',
    [
      'compose',
      '--project-name',
      r.project,
      '--project-directory',
      dir,
      ...r.composeFiles.flatMap((f) => ['-f', f]),
      ...args,
    ],
    {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(input !== undefined ? { input } : {}),
    },
  );
}

export const envIn = (root: string, logical: string) =>
  parseEnv(readFileSync(join(root, logical), 'utf8')).values;

/** The real folder of a Compose volume of the install (by its labels). */
export function volumeDir(root: string, name: string, volume: string): string {
  const project = stateOf(root).installs[name]?.project ?? '';
  const id = execFileSync(
    'docker',
    [
      'volume',
      'ls',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--filter',
      `label=com.docker.compose.volume=${volume}`,
    ],
    { encoding: 'utf8' },
  ).trim();
  return execFileSync('docker', ['volume', 'inspect', '--format', '{{.Mountpoint}}', id], {
    encoding: 'utf8',
  }).trim();
}

/** A fresh WIZARD_ROOT: the "new server" a backup is restored on. */
export function newServer(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Takes every container, network and volume of the installs recorded under `root` down, then removes `root`. */
export function removeRoot(root: string | undefined): void {
  if (!root) return;
  for (const [name, r] of Object.entries(stateOf(root).installs)) {
    void name;
    for (const kind of ['container', 'network', 'volume'] as const) {
      const listArgs = kind === 'container' ? ['ps', '-aq'] : [kind, 'ls', '-q'];
      const ids = execFileSync(
        'docker',
        [...listArgs, '--filter', `label=com.docker.compose.project=${r.project}`],
        {
          encoding: 'utf8',
        },
      )
        .split('\n')
        .filter(Boolean);
      if (ids.length)
        execFileSync('docker', kind === 'container' ? ['rm', '-f', '-v', ...ids] : [kind, 'rm', ...ids], {
          stdio: 'ignore',
        });
    }
  }
  rmSync(root, { recursive: true, force: true });
}

/** Members of a tar archive, as GNU tar lists them. */
export const tarList = (file: string) =>
  execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).split('\n').filter(Boolean);

export type { E2eInstall };
