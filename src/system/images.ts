import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type { CommandRunner } from '../core/context.js';
import { gitCredentials } from '../core/git.js';
import type { FileSpec } from '../core/plan.js';

/** A compose project of the plan: its folder, the compose files it is started with, and where its files come from. */
export interface StagedProject {
  /** The logical folder (e.g. /opt/rocketchat): the plan's files under it are staged. */
  dir: string;
  composeFiles: string[];
  /** Cloned first (the install's existing clone, or its repository: a local mirror works offline). */
  clone?: { url: string; branch: string };
}

export type ImagesVerdict =
  | { known: true; images: string[]; missing: string[] }
  | { known: false; reason: string };

/**
 * The images a plan starts, and which of them are not on this host, before anything is written: each compose
 * project is staged in a temporary folder (its clone, with the plan's files over it), read with
 * `docker compose config --images`, and each image looked up with `docker image inspect`. The folder is removed.
 */
export async function missingImages(
  runner: CommandRunner,
  plan: { files: FileSpec[] },
  projects: StagedProject[],
  project: string,
  /** Images started outside these projects (e.g. the shared proxy's). */
  extra: string[] = [],
): Promise<ImagesVerdict> {
  const stage = await mkdtemp(join(tmpdir(), 'wizard-images-'));
  try {
    const images = new Set<string>(extra);
    for (const [i, p] of projects.entries()) {
      const dir = join(stage, String(i));
      if (p.clone) {
        // Credentials in the URL never reach git's argv: they go as a header through its environment.
        const { url, env } = gitCredentials(p.clone.url);
        const r = await runner.run({
          file: 'git',
          args: ['clone', '--quiet', '--branch', p.clone.branch, '--', url, dir],
          reject: false,
          timeoutMs: 120_000,
          ...(env ? { env } : {}),
        });
        if (r.exitCode !== 0)
          return {
            known: false,
            reason: `git clone ${url} failed: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}`,
          };
      } else await mkdir(dir, { recursive: true });
      for (const f of plan.files) {
        const rel = relative(p.dir, f.path);
        if (f.kind !== 'file' || f.content === undefined || rel.startsWith('..')) continue;
        await mkdir(dirname(join(dir, rel)), { recursive: true });
        await writeFile(join(dir, rel), f.content, { mode: 0o600 });
      }
      const r = await runner.run({
        file: 'docker',
        args: [
          'compose',
          '--project-name',
          project,
          '--project-directory',
          dir,
          ...p.composeFiles.flatMap((c) => ['-f', c]),
          'config',
          '--images',
        ],
        cwd: dir,
        reject: false,
        timeoutMs: 30_000,
      });
      if (r.exitCode !== 0)
        return {
          known: false,
          reason: `docker compose config --images failed: ${r.stderr.trim().split('\n').pop() ?? ''}`,
        };
      for (const l of r.stdout.split('\n')) if (l.trim()) images.add(l.trim());
    }
    const missing: string[] = [];
    for (const image of images) {
      const r = await runner.run({
        file: 'docker',
        args: ['image', 'inspect', '--format', '{{.Id}}', image],
        reject: false,
        timeoutMs: 15_000,
      });
      if (r.exitCode === 0) continue;
      // Only "no such image" means missing; anything else (the daemon gone) says nothing about the image.
      if (/no such (image|object)/i.test(`${r.stderr}\n${r.stdout}`)) missing.push(image);
      else
        return {
          known: false,
          reason: `docker image inspect failed: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}`,
        };
    }
    return { known: true, images: [...images], missing };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
