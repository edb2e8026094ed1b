import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { BACKUP_FORMAT, type BackupHeader } from '../../src/core/backup.js';
import { FAKE_TIME, fakeHost, fakeInstall, wizardAt, writeBackup } from '../helpers/backup-host.js';
import { tmpRoot } from '../helpers/tmp.js';

const wizard = wizardAt;
const host = fakeHost;

const headerOf = (over: Partial<BackupHeader['install']> = {}, wizardVersion = '0.1.0'): BackupHeader => ({
  format: BACKUP_FORMAT,
  kind: 'backup',
  wizard: wizardVersion,
  createdAt: FAKE_TIME,
  install: { ...fakeInstall, ...over },
  contents: { files: ['/opt/rocketchat/.env'], folders: [], volumes: [] },
});

/** A backup as the wizard writes it (its real writer), with one env file. */
async function backup(root: string, header: BackupHeader) {
  const src = join(root, 'src.env');
  writeFileSync(src, 'ADMIN_PASS=secret\n');
  const file = join(root, 'b.tar');
  const w = await writeBackup(file, header, [{ kind: 'file', name: 'files/opt/rocketchat/.env', path: src }]);
  return { file, digest: w.digest };
}

const leftovers = (root: string) =>
  existsSync(join(root, 'opt'))
    ? readdirSync(join(root, 'opt')).filter((f) => f.startsWith('.wizard-restore-'))
    : [];

describe('backup, restore and uninstall: bad input is one line and a remedy, exit 2, nothing changed', () => {
  it('backup without an install, a bad --keep or --schedule', () => {
    const empty = tmpRoot();
    const none = wizard(['backup'], empty);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('There is no install on this host.');
    expect(existsSync(join(empty, 'var'))).toBe(false);
    const root = host();
    const keep = wizard(['backup', 'rocketchat', '--keep', '0'], root);
    expect(keep.code).toBe(2);
    expect(keep.stderr).toContain('--keep 0 is not a number from 1 to 1000.');
    const sched = wizard(['backup', 'rocketchat', '--schedule', 'hourly'], root);
    expect(sched.code).toBe(2);
    expect(sched.stderr).toContain('--schedule "hourly" is not daily, weekly or off.');
    const repo = wizard(['backup', 'rocketchat', '--repo', 's3:https://key:secret@s3.example.com/b'], root);
    expect(repo.code).toBe(2);
    expect(repo.stderr).toContain('it holds credentials (give them in --repo-env FILE)');
  });

  it('uninstall of an unknown install names those that exist; without a terminal it needs --yes', () => {
    const root = host();
    const unknown = wizard(['uninstall', 'nosuch'], root);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('There is no install named "nosuch".');
    expect(unknown.stderr).toContain('Installs: rocketchat.');
    const noYes = wizard(['uninstall', 'rocketchat', '--purge'], root);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toContain('Pass --yes --purge to go ahead');
    expect(
      JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8')).installs.rocketchat,
    ).toBeTruthy();
  });

  it('restore: a backup of another platform, of a newer wizard, unknown here, or altered is refused with the reason', async () => {
    const root = host();
    const other = await backup(root, headerOf({ platform: 'mattermost' }));
    const r1 = wizard(['restore', other.file, '--yes', '--digest', other.digest], root);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain(
      'This backup is of Mattermost (rocketchat); the install rocketchat is Rocket.Chat.',
    );

    const newer = await backup(root, headerOf({}, '99.0.0'));
    const r2 = wizard(['restore', newer.file, '--yes', '--trust'], root);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('This backup was written by wizard 99.0.0, newer than this one');

    const good = await backup(root, headerOf());
    const r3 = wizard(['restore', good.file, '--yes'], root);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain("is not a backup this host's wizard recorded");

    // Recorded with its digest, then altered (one byte of the env file's content).
    const altered = host([
      {
        file: good.file,
        digest: good.digest,
        size: 0,
        install: 'rocketchat',
        platform: 'rocketchat',
        release: '8.0.1',
        kind: 'backup',
        createdAt: FAKE_TIME,
      },
    ]);
    const bytes = readFileSync(good.file);
    const at = bytes.indexOf('ADMIN_PASS=secret');
    bytes.write('ADMIN_PASS=SECRET', at);
    writeFileSync(good.file, bytes);
    const r4 = wizard(['restore', good.file, '--yes'], altered);
    expect(r4.code).toBe(2);
    expect(r4.stderr).toContain(
      'files/opt/rocketchat/.env does not match its SHA-256 in the manifest (altered or damaged)',
    );
    expect(leftovers(altered)).toEqual([]);
    const v = wizard(['backup', 'verify', good.file], altered);
    expect(v.code).toBe(2);
    expect(v.stdout).toContain('✖ members');
  });

  it('restore: a crafted archive (a symbolic link member) is refused even with --trust; nothing is left extracted', async () => {
    const root = host();
    const p = pack();
    const chunks: Buffer[] = [];
    p.on('data', (c) => void chunks.push(c as Buffer));
    const end = new Promise<void>((r) => p.on('end', () => r()));
    p.entry({ name: 'wizard-backup.json' }, JSON.stringify(headerOf({ name: 'elsewhere' })));
    p.entry({ name: 'folders/data', type: 'symlink', linkname: '/etc' });
    p.finalize();
    await end;
    const file = join(root, 'crafted.tar');
    writeFileSync(file, Buffer.concat(chunks));
    const r = wizard(['restore', file, '--yes', '--trust'], root);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--trust: ');
    expect(r.stderr).toMatch(/crafted\.tar is refused: it holds a symbolic link \(folders\/data -> \/etc\)/);
    expect(leftovers(root)).toEqual([]);
    const notTar = join(root, 'x.tar');
    writeFileSync(notTar, createHash('sha256').update('x').digest());
    const r2 = wizard(['restore', notTar, '--yes', '--trust'], root);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('is refused');
  });
});
