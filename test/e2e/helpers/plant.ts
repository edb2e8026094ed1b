import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

/** Runs a command as another uid (a real process, as a container's user on the host would), true when it succeeded. */
export function asUid(uid: number, gid: number, file: string, args: string[]): boolean {
  return spawnSync(file, args, { uid, gid, stdio: 'ignore' }).status === 0;
}

/**
 * Root's own file and folder for planted links to point at, under a test root other uids can traverse, and the
 * check that they kept their content, owner and mode.
 */
export function rootTargets(root: string) {
  chmodSync(root, 0o755);
  const dir = join(root, 'etc/secret.d');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(root, 'etc/shadow');
  writeFileSync(file, 'root:$6$hash:19000::::::\n', { mode: 0o600 });
  return {
    file,
    dir,
    untouched() {
      expect(readFileSync(file, 'utf8')).toBe('root:$6$hash:19000::::::\n');
      for (const [p, mode] of [
        [file, 0o600],
        [dir, 0o700],
      ] as const) {
        const st = statSync(p);
        expect([p, st.uid, st.gid, st.mode & 0o777]).toEqual([p, 0, 0, mode]);
      }
    },
  };
}
