import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArchiveSource, BackupHeader } from '../../src/core/backup.js';
import { writeArchive } from '../../src/system/archive-write.js';
import { tmpRoot } from './tmp.js';

// What the backup CLI tests (backup.test.ts, backup-tamper.test.ts) share: a fake host whose state records one
// Rocket.Chat install (no container, no data dir), a backup archive written by the wizard's own writer, and the
// built wizard run against that host without a terminal.

const CLI = join(import.meta.dirname, '../../dist/cli.js');

/** Runs the built wizard under WIZARD_ROOT=root, as automation does: no TTY, stdin closed, no colour. */
export function wizardAt(args: string[], root: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    input: '',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', WIZARD_ROOT: root },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The fake install: what a backup's header and the state's record both say about it. */
export const fakeInstall: BackupHeader['install'] = {
  name: 'rocketchat',
  platform: 'rocketchat',
  domain: 'localhost',
  email: 'admin@example.com',
  dataDir: '/opt/rocketchat',
  release: '8.0.1',
  tls: 'none',
  port: 3000,
  repoUrl: 'https://example.com/rc.git',
  project: 'rocketchat-x',
  composeFiles: ['compose.yml'],
  extra: {},
};

export const FAKE_TIME = '2026-11-22T03:00:00.000Z';

/** Writes the host's state (0600): the fake install, installed, and the backups given as recorded. */
export function writeHostState(root: string, backups: unknown[] = []): void {
  mkdirSync(join(root, 'var/lib/wizard'), { recursive: true });
  const record = {
    ...fakeInstall,
    status: 'installed',
    journal: {},
    createdAt: FAKE_TIME,
    updatedAt: FAKE_TIME,
  };
  writeFileSync(
    join(root, 'var/lib/wizard/state.json'),
    JSON.stringify({ schema: 1, installs: { rocketchat: record }, backups }),
    { mode: 0o600 },
  );
}

/** A fresh WIZARD_ROOT (removed after the test) holding the fake install and the backups given. */
export function fakeHost(backups: unknown[] = []): string {
  const root = tmpRoot();
  writeHostState(root, backups);
  return root;
}

/** A backup archive as the wizard writes it (its real writer): the header, then `members`, then the manifest. */
export function writeBackup(file: string, header: BackupHeader, members: ArchiveSource[]) {
  return writeArchive(
    file,
    [{ kind: 'bytes', name: 'wizard-backup.json', content: JSON.stringify(header) }, ...members],
    {
      finish: async (ms, skipped) =>
        JSON.stringify({
          format: 1,
          members: ms,
          skipped,
          downtime: { seconds: 0, stopped: [], why: 'none' },
        }),
    },
  );
}
