import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandRunner } from '../core/context.js';

/**
 * The files a support bundle (`doctor --bundle`) is made of: a text file read whole (a fallback when it is
 * missing), the newest logs' tails, and the archive itself, every member 0600, the archive 0600.
 */
export const readTextOr = (path: string, fallback: string): Promise<string> =>
  readFile(path, 'utf8').catch(() => fallback);

/** The last `lines` lines of each of the newest `count` files in `dir` (by name, which starts with the date). */
export async function newestLogTails(dir: string, count: number, lines: number): Promise<[string, string][]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: [string, string][] = [];
  for (const name of names.sort().slice(-count))
    out.push([name, (await readFile(join(dir, name), 'utf8')).split('\n').slice(-lines).join('\n')]);
  return out;
}

/** Writes `entries` (name, content) into a private temp folder and packs it as a .tar.gz at `file`, mode 0600. */
export async function writeTarGz(
  runner: CommandRunner,
  file: string,
  entries: [string, string][],
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'wizard-bundle-'));
  try {
    for (const [name, content] of entries) {
      const path = join(dir, name);
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, content, { mode: 0o600 });
    }
    await runner.run({ file: 'tar', args: ['-czf', file, '-C', dir, '.'] });
    await chmod(file, 0o600);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
