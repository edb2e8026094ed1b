import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { BACKUP_FORMAT, type BackupHeader } from '../../src/core/backup.js';
import { readArchive, readHeader } from '../../src/system/archive-read.js';
import { writeArchive } from '../../src/system/archive-write.js';
import { encodeHeader } from '../../src/system/tar-header.js';
import { digestByHand } from '../helpers/backup-digest.js';
import { tmpRoot } from '../helpers/tmp.js';

const header: BackupHeader = {
  format: BACKUP_FORMAT,
  kind: 'backup',
  wizard: '0.1.0',
  createdAt: '2026-11-22T03:00:00.000Z',
  install: {
    name: 'rocketchat',
    platform: 'rocketchat',
    domain: 'localhost',
    email: 'a@example.com',
    dataDir: '/opt/rocketchat',
    release: '8.0.1',
    tls: 'none',
    port: 3000,
    repoUrl: 'https://example.com/repo.git',
    project: 'rocketchat',
    composeFiles: ['compose.yml'],
    extra: {},
  },
  contents: { files: ['/opt/rocketchat/.env'], folders: ['data'], volumes: [] },
};

const finish = async (members: unknown[], skipped: unknown[]) =>
  JSON.stringify({ format: 1, members, skipped, downtime: { seconds: 0, stopped: [], why: 'none' } });

/** A data folder with nested files, modes and owners, a symlink and a fifo (both left out). */
function dataFolder(root: string) {
  const data = join(root, 'src/data');
  mkdirSync(join(data, 'nested/deeper'), { recursive: true });
  writeFileSync(join(data, 'a.txt'), 'alpha\n');
  chmodSync(join(data, 'a.txt'), 0o4755);
  writeFileSync(join(data, 'nested/deeper/b.bin'), Buffer.alloc(3 * 1024 * 1024 + 17, 7));
  writeFileSync(join(data, `${'long-name-'.repeat(12)}é.txt`), 'a long, non-ASCII name\n');
  chmodSync(join(data, 'nested'), 0o750);
  chownSync(join(data, 'nested/deeper/b.bin'), 2000, 2000);
  symlinkSync('/etc/shadow', join(data, 'link'));
  execFileSync('mkfifo', [join(data, 'fifo')]);
  writeFileSync(join(root, 'src/.env'), 'ADMIN_PASS=secret\n', { mode: 0o600 });
  return data;
}

async function write(root: string) {
  const data = dataFolder(root);
  const file = join(root, 'out/backup.tar');
  mkdirSync(join(root, 'out'));
  const w = await writeArchive(
    file,
    [
      { kind: 'bytes', name: 'wizard-backup.json', content: JSON.stringify(header) },
      { kind: 'file', name: 'files/opt/rocketchat/.env', path: join(root, 'src/.env') },
      { kind: 'tree', name: 'folders/data', path: data },
    ],
    { finish },
  );
  return { file, w, data };
}

describe('backup archive: written, then read back and verified', () => {
  it('round trip: the digest is the one computed by hand from the file, GNU tar reads it, every member comes back with its mode and owner; links and fifos left out', async () => {
    const root = tmpRoot();
    const { file, w } = await write(root);
    expect(w.digest).toBe(digestByHand(file));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(root, 'out'))).toEqual(['backup.tar']);
    expect(w.skipped).toEqual([
      { path: 'folders/data/fifo', why: 'not a regular file (a socket, pipe or device)' },
      { path: 'folders/data/link', why: 'a symbolic link' },
    ]);
    const listing = execFileSync('tar', ['-tvf', file], { encoding: 'utf8' });
    expect(listing).toMatch(/2000\/2000 +3145745 .* folders\/data\/nested\/deeper\/b\.bin/);
    expect(listing).toContain(`folders/data/${'long-name-'.repeat(12)}é.txt`);
    expect(listing.split('\n')[0]).toContain('wizard-backup.json');
    expect(listing.trim().split('\n').at(-1)).toContain('manifest.json');

    const into = join(root, 'into');
    mkdirSync(into, { mode: 0o700 });
    const r = await readArchive(file, { into, fileSha256: true });
    expect(r.digest).toBe(w.digest);
    expect(r.sha256).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    expect(r.header.install.name).toBe('rocketchat');
    expect(readFileSync(join(into, 'folders/data/nested/deeper/b.bin')).length).toBe(3 * 1024 * 1024 + 17);
    expect(statSync(join(into, 'folders/data/nested/deeper/b.bin')).uid).toBe(2000);
    expect(statSync(join(into, 'folders/data/nested')).mode & 0o777).toBe(0o750);
    // A set-user-id bit in an archive never comes back: root extracts.
    expect(statSync(join(into, 'folders/data/a.txt')).mode & 0o7777).toBe(0o755);
    expect(readFileSync(join(into, 'files/opt/rocketchat/.env'), 'utf8')).toBe('ADMIN_PASS=secret\n');
    expect(existsSync(join(into, 'folders/data/link'))).toBe(false);
    expect((await readHeader(file)).install.release).toBe('8.0.1');
  });
});

/** An archive made entry by entry (tar-stream's packer), for the crafted cases. */
async function crafted(
  file: string,
  entries: {
    name: string;
    type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device';
    content?: string;
    linkname?: string;
  }[],
) {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c) => void chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const e of entries)
    p.entry(
      { name: e.name, type: e.type ?? 'file', ...(e.linkname ? { linkname: e.linkname } : {}) },
      e.content ?? '',
    );
  p.finalize();
  await done;
  writeFileSync(file, Buffer.concat(chunks));
}

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const manifestOf = (members: { path: string; content: string }[]) =>
  JSON.stringify({
    format: 1,
    members: members.map((m) => ({
      path: m.path,
      type: 'file',
      size: Buffer.byteLength(m.content),
      sha256: sha(m.content),
    })),
    skipped: [],
    downtime: { seconds: 0, stopped: [], why: 'none' },
  });

describe('crafted backups are refused with the reason, nothing extracted', () => {
  const h = JSON.stringify(header);
  const cases: [string, Parameters<typeof crafted>[1], RegExp][] = [
    [
      'a symbolic link',
      [
        { name: 'wizard-backup.json', content: h },
        { name: 'folders/data/x', type: 'symlink', linkname: '/etc/shadow' },
      ],
      /holds a symbolic link \(folders\/data\/x -> \/etc\/shadow\)/,
    ],
    [
      'a hard link',
      [
        { name: 'wizard-backup.json', content: h },
        { name: 'folders/data/x', type: 'link', linkname: 'etc/passwd' },
      ],
      /holds a hard link/,
    ],
    [
      'a device',
      [
        { name: 'wizard-backup.json', content: h },
        { name: 'folders/data/tty', type: 'character-device' },
      ],
      /holds a character-device/,
    ],
    [
      'an absolute path',
      [
        { name: 'wizard-backup.json', content: h },
        { name: '/etc/cron.d/evil', content: '* * * * * root sh' },
      ],
      /a member has an absolute path \("\/etc\/cron\.d\/evil"\)/,
    ],
    [
      'a .. path',
      [
        { name: 'wizard-backup.json', content: h },
        { name: 'folders/../../../etc/passwd', content: 'x' },
      ],
      /a member has a "\.\." path/,
    ],
    [
      'a member outside the layout',
      [
        { name: 'wizard-backup.json', content: h },
        { name: 'etc/passwd', content: 'x' },
      ],
      /a name outside the backup layout/,
    ],
    ['no header', [{ name: 'files/x', content: 'x' }], /does not start with wizard-backup\.json/],
    [
      'altered content',
      [
        { name: 'wizard-backup.json', content: h },
        { name: 'files/opt/rocketchat/.env', content: 'ADMIN_PASS=changed\n' },
        {
          name: 'manifest.json',
          content: manifestOf([
            { path: 'wizard-backup.json', content: h },
            { path: 'files/opt/rocketchat/.env', content: 'ADMIN_PASS=original\n' },
          ]),
        },
      ],
      /files\/opt\/rocketchat\/\.env does not match its SHA-256 in the manifest \(altered or damaged\)/,
    ],
    [
      'a member the manifest does not list',
      [
        { name: 'wizard-backup.json', content: h },
        { name: 'files/opt/rocketchat/compose.yml', content: 'services: {}\n' },
        { name: 'manifest.json', content: manifestOf([{ path: 'wizard-backup.json', content: h }]) },
      ],
      /files\/opt\/rocketchat\/compose\.yml is in the archive but not in its manifest/,
    ],
    [
      'a member after the manifest',
      [
        { name: 'wizard-backup.json', content: h },
        { name: 'manifest.json', content: manifestOf([{ path: 'wizard-backup.json', content: h }]) },
        { name: 'files/x', content: 'x' },
      ],
      /a member \(files\/x\) follows the manifest/,
    ],
  ];
  for (const [what, entries, reason] of cases)
    it(`${what}`, async () => {
      const root = tmpRoot();
      const file = join(root, 'crafted.tar');
      await crafted(file, entries);
      const into = join(root, 'into');
      mkdirSync(into, { mode: 0o700 });
      const e = await readArchive(file, { into }).catch((x: Error & { exitCode?: number }) => x);
      expect(e).toBeInstanceOf(Error);
      expect((e as Error).message).toMatch(reason);
      expect((e as { exitCode?: number }).exitCode).toBe(2);
      expect(existsSync('/etc/cron.d/evil')).toBe(false);
    });

  it('the header encoder writes what tar-stream and GNU tar read back (ustar, PAX for long names and large ids)', () => {
    const b = encodeHeader({
      name: 'folders/x/é',
      type: 'file',
      size: 3,
      mode: 0o640,
      uid: 3_000_000,
      gid: 7,
      mtime: 1,
    });
    expect(b.length % 512).toBe(0);
    expect(b.subarray(0, 512).toString('latin1', 156, 157)).toBe('x');
  });
});
