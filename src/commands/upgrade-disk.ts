import { existsSync } from 'node:fs';
import { readdir, stat, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { composeCommand } from '../core/compose.js';
import type { InstallContext } from '../core/context.js';
import {
  backupNeedGiB,
  type DiskPlace,
  type DiskVerdict,
  imagesNeedGiB,
  judgeUpgradeDisk,
} from '../core/upgrade-disk.js';

/** Free space and device of the filesystem holding `real` (or its nearest existing parent). */
async function fsOf(real: string): Promise<{ freeGiB: number; device: number }> {
  let p = real;
  while (!existsSync(p) && p !== dirname(p)) p = dirname(p);
  const [s, f] = await Promise.all([stat(p), statfs(p)]);
  return { freeGiB: (f.bavail * f.bsize) / 1024 ** 3, device: s.dev };
}

/** Size in bytes of this install's newest backup in `dir`, if there is one. */
async function previousBackup(dir: string, name: string): Promise<number | undefined> {
  const files = await readdir(dir).catch(() => [] as string[]);
  const sized = await Promise.all(
    files
      .filter((f) => f.startsWith(`${name}-`) && (f.endsWith('.tar') || f.endsWith('.tar.gz')))
      .map((f) => stat(join(dir, f)).then((s) => ({ size: s.size, at: s.mtimeMs }))),
  );
  return sized.sort((a, b) => b.at - a.at)[0]?.size;
}

/**
 * Room for the backup (in the install's backup folder) and for the new images (in Docker's root), measured on
 * this host before anything changes.
 */
export async function upgradeDiskVerdict(
  ctx: InstallContext,
  opts: { backupDir: string; noBackup: boolean },
): Promise<DiskVerdict> {
  const images = await ctx.runner.run({
    ...composeCommand(ctx, ['config', '--images']),
    reject: false,
    timeoutMs: 20_000,
  });
  const names =
    images.exitCode === 0
      ? [
          ...new Set(
            images.stdout
              .split('\n')
              .map((l) => l.trim())
              .filter(Boolean),
          ),
        ]
      : [];
  const inspected = names.length
    ? await ctx.runner.run({
        file: 'docker',
        args: ['image', 'inspect', '--format', '{{.Size}}', ...names],
        reject: false,
        timeoutMs: 20_000,
      })
    : undefined;
  const sizes = (inspected?.stdout ?? '')
    .split('\n')
    .map(Number)
    .filter((n) => n > 0);
  const info = await ctx.runner.run({
    file: 'docker',
    args: ['info', '--format', '{{.DockerRootDir}}'],
    reject: false,
    timeoutMs: 10_000,
  });
  const dockerRoot = info.exitCode === 0 && info.stdout.trim() ? info.stdout.trim() : '/var/lib/docker';
  const places: DiskPlace[] = [
    { what: 'the new images', path: dockerRoot, needGiB: imagesNeedGiB(sizes), ...(await fsOf(dockerRoot)) },
  ];
  if (!opts.noBackup) {
    const dir = ctx.files.real(opts.backupDir);
    places.push({
      what: 'the backup',
      path: dir,
      needGiB: backupNeedGiB(await previousBackup(dir, ctx.answers.name)),
      ...(await fsOf(dir)),
    });
  }
  return judgeUpgradeDisk(places);
}
