import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeArchive } from '../../src/system/archive-write.js';
import { warmHashes } from '../../src/system/hash-workers.js';
import { digestByHand } from '../helpers/backup-digest.js';
import { tmpRoot } from '../helpers/tmp.js';

const finish = async (members: unknown[], skipped: unknown[]) =>
  JSON.stringify({ format: 1, members, skipped, downtime: { seconds: 0, stopped: [], why: 'none' } });

/** FileHandle's prototype, to count (or fail) the writer's fdatasync calls. */
async function handleProto(path: string): Promise<FileHandle> {
  const fh = await open(path);
  await fh.close();
  return Object.getPrototypeOf(fh) as FileHandle;
}

/** 100 MiB in 5 files of 20 MiB (each different): more than one writeback's worth. */
function bigFolder(root: string) {
  const data = join(root, 'data');
  mkdirSync(data);
  const chunk = Buffer.alloc(20 << 20, 3);
  for (let i = 0; i < 5; i++) {
    chunk.writeUInt32LE(i, 0);
    writeFileSync(join(data, `f${i}.bin`), chunk);
  }
  return data;
}

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

describe('backup archive: a large one', () => {
  it('reaches the disk while it is written (fdatasync behind the writes), on threads started ahead; the SHA-256s are the real ones', async () => {
    const root = tmpRoot();
    const data = bigFolder(root);
    const proto = await handleProto(join(data, 'f0.bin'));
    const datasync = proto.datasync;
    let syncs = 0;
    proto.datasync = function (this: FileHandle) {
      syncs++;
      return datasync.call(this);
    };
    restore = () => {
      proto.datasync = datasync;
    };
    warmHashes();
    const file = join(root, 'backup.tar');
    const w = await writeArchive(file, [{ kind: 'tree', name: 'folders/data', path: data }], { finish });
    expect(syncs).toBeGreaterThanOrEqual(1);
    expect(w.digest).toBe(digestByHand(file));
    const files = w.members.filter((m) => m.type === 'file');
    expect(files).toHaveLength(5);
    for (const m of files) {
      const want = createHash('sha256')
        .update(readFileSync(join(data, m.path.replace('folders/data/', ''))))
        .digest('hex');
      expect(m).toEqual({ path: m.path, type: 'file', size: 20 << 20, sha256: want });
    }
  });

  it('a writeback that fails (the disk filled up) fails the backup cleanly: the reason, and no partial archive', async () => {
    const root = tmpRoot();
    const data = bigFolder(root);
    const proto = await handleProto(join(data, 'f0.bin'));
    const datasync = proto.datasync;
    proto.datasync = () =>
      Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    restore = () => {
      proto.datasync = datasync;
    };
    const out = join(root, 'out');
    mkdirSync(out);
    await expect(
      writeArchive(join(out, 'backup.tar'), [{ kind: 'tree', name: 'folders/data', path: data }], { finish }),
    ).rejects.toThrow(
      /No space left on the disk holding .*out: the backup was not written \(no partial archive/,
    );
    expect(readdirSync(out)).toEqual([]);
  });
});
