import type { InstallContext } from '../core/context.js';
import { WizardError } from '../core/errors.js';
import { gitCredentials } from '../core/git.js';
import type { CommandSpec } from '../core/plan.js';
import { maskUrl } from '../core/redact.js';
import type { Step, StepInput } from '../core/step.js';

/**
 * Clones the platform's compose repository into the data dir, or fast-forwards a clean existing clone (the plan
 * knows which: it looked for DATA_DIR/.git).
 */
export function cloneRepo(s: StepInput): Step {
  const dir = s.files.real(s.projectDir);
  const branch = s.platform.repo?.branch ?? 'main';
  const title = 'Clone the compose repository';
  // Credentials in --repo-url never reach git's argv (any `ps` sees it), the clone's .git/config or the review:
  // git gets them as an Authorization header through its environment.
  const { url, env } = gitCredentials(s.answers.repoUrl);
  const shownUrl = maskUrl(s.answers.repoUrl);
  const git = (args: string[], more: Omit<CommandSpec, 'file' | 'args'>): CommandSpec => ({
    file: 'git',
    args: ['-C', dir, ...args],
    ...more,
    ...(env ? { env } : {}),
  });
  if (s.existingPaths.has(`${s.projectDir}/.git`)) {
    // --no-optional-locks: a read-only look never writes the index (it would fail on a full disk).
    const status = git(['--no-optional-locks', 'status', '--porcelain'], {
      description: 'look for local changes in the existing clone (a clone with changes is left as it is)',
    });
    const fetch = git(['fetch', '--quiet', 'origin', branch], {
      description: `fetch ${branch} from ${shownUrl}`,
      when: 'only when the clone has no local changes',
    });
    const merge = git(['merge', '--ff-only', `origin/${branch}`], {
      description: 'fast-forward the clone',
      when: 'only when the clone has no local changes and the fetch worked',
    });
    return {
      id: 'clone',
      title,
      commands: [status, fetch, merge],
      async run(ctx, io) {
        await excludeOwnFiles(ctx);
        if ((await io.run(status)).stdout.trim() !== '') {
          ctx.notes.push(`${dir} has local changes; it was left as it is.`);
          return `Kept the existing clone (it has local changes)`;
        }
        if ((await io.run(fetch, { reject: false })).exitCode !== 0) {
          ctx.notes.push(`Could not update ${dir} from ${shownUrl}; the existing clone was used.`);
          return 'Kept the existing clone (the repository did not answer)';
        }
        await io.run(merge);
        return 'Updated the compose repository';
      },
    };
  }
  // A folder that is there already must be empty to be cloned into.
  const empty = s.existingPaths.has(s.projectDir)
    ? {
        file: 'find',
        args: [dir, '-mindepth', '1', '-maxdepth', '1', '-print', '-quit'],
        description: `check that ${dir} is empty`,
      }
    : undefined;
  const clone: CommandSpec = {
    file: 'git',
    args: ['clone', '--quiet', '--branch', branch, '--', url, dir],
    ...(env ? { env } : {}),
    description: env
      ? "clone the compose repository (the URL's credentials go to git as a header, not in its command line; the wizard's own files go to its .git/info/exclude)"
      : "clone the compose repository (the wizard's own files go to its .git/info/exclude)",
    remedy: 'Check that the server reaches the repository, or pass --repo-url with a mirror.',
  };
  return {
    id: 'clone',
    title,
    commands: [...(empty ? [empty] : []), clone],
    async run(ctx, io) {
      if (empty && (await io.run(empty)).stdout.trim() !== '') {
        throw new WizardError(
          `${dir} exists, is not empty and is not a clone of ${shownUrl}.`,
          'Choose another --data-dir, or move that folder away.',
        );
      }
      await io.run(clone);
      await excludeOwnFiles(ctx);
      return 'Cloned the compose repository';
    },
  };
}

/** Keeps the files the wizard writes into the clone out of `git status`, so the clone stays "clean". */
async function excludeOwnFiles(ctx: InstallContext): Promise<void> {
  const path = `${ctx.projectDir}/.git/info/exclude`;
  const current = (await ctx.files.readText(path)) ?? '';
  const own = [
    '.env',
    '*.bak',
    'backups/',
    ...ctx.platform.composeFiles.filter((f) => ctx.plan.files.some((p) => p.path.endsWith(`/${f}`))),
  ];
  const missing = own.filter((p) => !current.split('\n').includes(p));
  if (missing.length === 0) return;
  const text = `${current}${current === '' || current.endsWith('\n') ? '' : '\n'}# written by wizard\n${missing.join('\n')}\n`;
  await ctx.files.write({ kind: 'file', path, mode: 0o644, content: text, description: 'git excludes' });
}
