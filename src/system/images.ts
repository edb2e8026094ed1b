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

/** Docker's "not found" line names the image last: "Error: No such image: X", or "...: No such image: X" (20.10). */
const NO_SUCH = /no such (?:image|object): (\S+)\s*$/i;

export type ImagesVerdict =
  | { known: true; images: string[]; missing: string[] }
  | { known: false; reason: string };

/**
 * The images a plan starts, and which of them are not on this host, before anything is written: each compose
 * project is staged in a temporary folder (its clone, with the plan's files over it), read with
 * `docker compose config --images`, and the images looked up with one `docker image inspect`. The folder is removed.
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
    // One lookup for all of them (a docker call costs a client start): the ones not found are named on stderr.
    const all = [...images];
    const missing: string[] = [];
    if (all.length > 0) {
      const r = await runner.run({
        file: 'docker',
        args: ['image', 'inspect', '--format', '{{.Id}}', ...all],
        reject: false,
        timeoutMs: 15_000,
      });
      if (r.exitCode !== 0) {
        const errors = `${r.stderr}\n${r.stdout}`.split('\n').filter((l) => l.trim() && !/^sha256:/.test(l));
        // Only "no such image" means missing; anything else (the daemon gone) says nothing about the images.
        for (const line of errors) {
          const name = line.match(NO_SUCH)?.[1];
          if (name === undefined)
            return { known: false, reason: `docker image inspect failed: ${line.trim()}` };
          if (!missing.includes(name)) missing.push(name);
        }
        if (missing.length === 0)
          return { known: false, reason: `docker image inspect failed (exit ${r.exitCode})` };
      }
    }
    return { known: true, images: [...images], missing };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
