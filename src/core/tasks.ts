import type { ListrTask, ListrTaskWrapper } from 'listr2';
import { composeCommand } from './compose.js';
import type { InstallContext } from './context.js';
import { WizardError } from './errors.js';
import { formatCommand } from './plan.js';
import { startCommands, startedLast, startStack } from './start.js';
import { type WaitIO, waitFor } from './wait.js';

/**
 * Shared task factories every platform builds its tree from. They reach the world only through the
 * context's runner, file store and HTTP client, so the fake runner drives them in tests.
 */

// biome-ignore lint/suspicious/noExplicitAny: listr2's wrapper is generic over renderers we do not constrain
type Task = ListrTaskWrapper<InstallContext, any, any>;

/** Wraps a step: dry runs skip it, completed steps are journaled. */
export function step(
  id: string,
  title: string,
  run: (ctx: InstallContext, task: Task) => Promise<undefined | string>,
  opts: { dryRun?: (ctx: InstallContext) => string; enabled?: (ctx: InstallContext) => boolean } = {},
): ListrTask<InstallContext> {
  return {
    title,
    ...(opts.enabled ? { enabled: opts.enabled } : {}),
    task: async (ctx, task) => {
      if (ctx.dryRun) {
        task.skip(`[dry run] would ${opts.dryRun ? opts.dryRun(ctx) : title.toLowerCase()}`);
        return;
      }
      ctx.log.info(`step ${id}: started`);
      const doneTitle = await run(ctx, task);
      await ctx.journal.done(id);
      ctx.log.info(`step ${id}: done`);
      if (typeof doneTitle === 'string') task.title = doneTitle;
    },
  };
}

/** Clones the platform's compose repository into the data dir, or fast-forwards a clean existing clone. */
export function cloneRepo(): ListrTask<InstallContext> {
  return step(
    'clone',
    'Clone the compose repository',
    async (ctx, task) => {
      const dir = ctx.files.real(ctx.projectDir);
      const branch = ctx.platform.repo?.branch ?? 'main';
      const git = (args: string[], reject = true) =>
        ctx.runner.run({ file: 'git', args: ['-C', dir, ...args], reject }, { signal: task.signal });
      if (await ctx.files.exists(`${ctx.projectDir}/.git`)) {
        await excludeOwnFiles(ctx);
        // --no-optional-locks: a read-only look never writes the index (it would fail on a full disk).
        const status = await git(['--no-optional-locks', 'status', '--porcelain']);
        if (status.stdout.trim() !== '') {
          ctx.notes.push(`${dir} has local changes; it was left as it is.`);
          return `Kept the existing clone (it has local changes)`;
        }
        const fetched = await git(['fetch', '--quiet', 'origin', branch], false);
        if (fetched.exitCode !== 0) {
          ctx.notes.push(`Could not update ${dir} from ${ctx.answers.repoUrl}; the existing clone was used.`);
          return 'Kept the existing clone (the repository did not answer)';
        }
        await git(['merge', '--ff-only', `origin/${branch}`]);
        return 'Updated the compose repository';
      }
      if ((await ctx.files.exists(ctx.projectDir)) && !(await isEmptyDir(ctx, dir))) {
        throw new WizardError(
          `${dir} exists, is not empty and is not a clone of ${ctx.answers.repoUrl}.`,
          'Choose another --data-dir, or move that folder away.',
        );
      }
      await ctx.runner.run(
        {
          file: 'git',
          args: ['clone', '--quiet', '--branch', branch, '--', ctx.answers.repoUrl, dir],
          remedy: 'Check that the server reaches the repository, or pass --repo-url with a mirror.',
        },
        { signal: task.signal },
      );
      await excludeOwnFiles(ctx);
      return 'Cloned the compose repository';
    },
    {
      dryRun: (ctx) =>
        `run: git clone --branch ${ctx.platform.repo?.branch ?? 'main'} ${ctx.answers.repoUrl} ${ctx.files.real(ctx.projectDir)}`,
    },
  );
}

async function isEmptyDir(ctx: InstallContext, dir: string): Promise<boolean> {
  const r = await ctx.runner.run({
    file: 'find',
    args: [dir, '-mindepth', '1', '-maxdepth', '1', '-print', '-quit'],
  });
  return r.stdout.trim() === '';
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

/** Writes the plan's files under a path prefix (atomically; env files merged; secrets 0600). */
export function writeFiles(
  title: string,
  prefix: (ctx: InstallContext) => string,
): ListrTask<InstallContext> {
  return step(
    `files:${title}`,
    title,
    async (ctx) => {
      const p = prefix(ctx);
      const specs = ctx.plan.files.filter((f) => f.path === p || f.path.startsWith(`${p}/`));
      const outcomes = [];
      for (const spec of specs)
        outcomes.push(
          await ctx.files.write(spec.user ? { ...spec, owner: await systemUserOwner(ctx, spec.user) } : spec),
        );
      const changed = outcomes.filter((o) => o !== 'unchanged').length;
      return `${title.replace(/^Write/, 'Wrote')} (${changed} changed, ${outcomes.length - changed} unchanged)`;
    },
    {
      dryRun: (ctx) =>
        `write ${ctx.plan.files.filter((f) => f.path.startsWith(prefix(ctx))).length} files under ${ctx.files.real(prefix(ctx))}`,
    },
  );
}

/** A line of /etc/passwd or /etc/group: name and numeric id (uid or gid), and for passwd the primary gid. */
export interface Account {
  name: string;
  id: number;
  gid?: number;
}

export function parseAccounts(text: string | undefined): Account[] {
  return (text ?? '').split('\n').flatMap((line) => {
    const [name, , id, gid] = line.split(':');
    if (!name || id === undefined || !/^\d+$/.test(id)) return [];
    return [
      { name, id: Number(id), ...(gid !== undefined && /^\d+$/.test(gid) ? { gid: Number(gid) } : {}) },
    ];
  });
}

/** uid and gid of a system user, from /etc/passwd under the install's root; undefined when there is none. */
export async function lookupSystemUser(
  ctx: Pick<InstallContext, 'files'>,
  name: string,
): Promise<{ uid: number; gid: number } | undefined> {
  const u = parseAccounts(await ctx.files.readText('/etc/passwd')).find((a) => a.name === name);
  return u ? { uid: u.id, gid: u.gid ?? u.id } : undefined;
}

async function systemUserOwner(ctx: InstallContext, name: string): Promise<{ uid: number; gid: number }> {
  const owner = await lookupSystemUser(ctx, name);
  if (owner) return owner;
  throw new WizardError(
    `The system user ${name} does not exist (${ctx.files.real('/etc/passwd')}).`,
    'Run the same install again: it creates the user before writing its files.',
  );
}

/**
 * Creates a system user and its group through the runner (groupadd, useradd), unless the user exists: with
 * the wanted uid (and the same gid) where free, else ids the system picks. No home is created and the login
 * shell is nologin. Under WIZARD_ROOT it edits ROOT/etc/passwd and ROOT/etc/group (`--prefix`; seeded with
 * root when missing), never the host's.
 */
export function ensureSystemUser(user: {
  name: string;
  uid?: number;
  home: string;
  comment?: string;
}): ListrTask<InstallContext> {
  const args = (passwd: Account[], groups: Account[]) => {
    const uidFree = user.uid !== undefined && !passwd.some((a) => a.id === user.uid);
    const gidFree = user.uid !== undefined && !groups.some((a) => a.id === user.uid);
    return {
      groupadd: groups.some((g) => g.name === user.name)
        ? undefined
        : ['--system', ...(gidFree ? ['--gid', String(user.uid)] : []), user.name],
      useradd: [
        '--system',
        ...(uidFree ? ['--uid', String(user.uid)] : []),
        '--gid',
        user.name,
        '--home-dir',
        user.home,
        '--no-create-home',
        '--shell',
        '/usr/sbin/nologin',
        ...(user.comment ? ['--comment', user.comment] : []),
        user.name,
      ],
    };
  };
  return step(
    `user:${user.name}`,
    `Create the system user ${user.name}`,
    async (ctx, task) => {
      const prefix = ctx.files.real('/').replace(/\/+$/, '');
      if (prefix !== '') {
        // A staging root: useradd --prefix edits ROOT/etc, which needs at least root's lines.
        if (!(await ctx.files.exists('/etc/passwd')))
          await ctx.files.write({
            kind: 'file',
            path: '/etc/passwd',
            mode: 0o644,
            content: 'root:x:0:0:root:/root:/bin/sh\n',
            description: 'users (staging root)',
          });
        if (!(await ctx.files.exists('/etc/group')))
          await ctx.files.write({
            kind: 'file',
            path: '/etc/group',
            mode: 0o644,
            content: 'root:x:0:\n',
            description: 'groups (staging root)',
          });
      }
      const found = await lookupSystemUser(ctx, user.name);
      if (found) return `System user ${user.name} exists (uid ${found.uid})`;
      const cmd = args(
        parseAccounts(await ctx.files.readText('/etc/passwd')),
        parseAccounts(await ctx.files.readText('/etc/group')),
      );
      const remedy =
        'useradd and groupadd (package passwd or shadow-utils) must work as root; create the user by hand and run the install again.';
      const at = prefix === '' ? [] : ['--prefix', prefix];
      if (cmd.groupadd)
        await ctx.runner.run(
          { file: 'groupadd', args: [...at, ...cmd.groupadd], remedy },
          { signal: task.signal },
        );
      await ctx.runner.run(
        { file: 'useradd', args: [...at, ...cmd.useradd], remedy },
        { signal: task.signal },
      );
      const made = await lookupSystemUser(ctx, user.name);
      if (!made)
        throw new WizardError(
          `useradd did not add ${user.name} to ${ctx.files.real('/etc/passwd')}.`,
          remedy,
        );
      return `Created the system user ${user.name} (uid ${made.uid}${user.uid === undefined || made.uid === user.uid ? '' : `: ${user.uid} was taken`})`;
    },
    { dryRun: () => `run: useradd ${args([], []).useradd.join(' ')} (unless ${user.name} exists)` },
  );
}

/** Pulls every image of the install (skipped with --offline), showing Compose's progress lines. */
export function pullImages(): ListrTask<InstallContext> {
  return step(
    'pull',
    'Pull images',
    async (ctx, task) => {
      if (ctx.answers.offline) {
        task.skip('Offline: using the images already on this host');
        return;
      }
      await ctx.runner.run(
        {
          ...composeCommand(ctx, ['pull']),
          remedy: 'Check that this server reaches the image registry, or load the images and pass --offline.',
        },
        {
          signal: task.signal,
          onLine: (l) => {
            task.output = l;
          },
        },
      );
      return 'Pulled images';
    },
    { dryRun: (ctx) => `run: ${formatCommand(composeCommand(ctx, ['pull']))}` },
  );
}

/**
 * Starts the whole stack or some services through the shared compose-up (src/core/start.ts): in the platform's
 * start order, each stage waited for, then the rest.
 */
export function composeUp(
  services: string[] = [],
  title = 'Start the containers',
): ListrTask<InstallContext> {
  return step(
    `up${services.length ? `:${services.join(',')}` : ''}`,
    title,
    async (ctx, task) => {
      await startStack(ctx, {
        ...(task.signal ? { signal: task.signal } : {}),
        output: (l) => {
          task.output = l;
        },
        services,
        remedy: ctx.answers.offline
          ? 'With --offline every image must already be on this host (docker images); load them or drop --offline.'
          : 'Read the error above; `docker compose ps` in the data directory shows the containers.',
      });
      return title.replace(/^Start/, 'Started');
    },
    {
      dryRun: (ctx) =>
        `run: ${startCommands(ctx, ctx.platform, ctx.answers.offline)
          .map((c) => formatCommand(c))
          .join('; then ')}`,
    },
  );
}

/** Polls the platform's readiness endpoint on 127.0.0.1 until it answers with the expected version. */
export function waitReady(): ListrTask<InstallContext> {
  return waitHttp({
    id: 'ready',
    title: 'Wait until the platform answers',
    url: (ctx) =>
      `http://127.0.0.1:${ctx.platform.readiness.port?.(ctx.answers) ?? ctx.answers.port}${ctx.platform.readiness.path}`,
    judge: (ctx) => ctx.platform.readiness.judge,
    service: (ctx) => ctx.platform.readiness.service,
    expectVersion: true,
  });
}

export interface HttpWait {
  id: string;
  title: string;
  url: (ctx: InstallContext) => string;
  judge: (
    ctx: InstallContext,
  ) => (
    status: number,
    body: string,
    headers?: Record<string, string>,
  ) => { ready: boolean; version?: string; detail: string };
  /** The service whose log tail explains a timeout. */
  service: (ctx: InstallContext) => string;
  /** Require the answered version to be the one being installed, and record it as ctx.readyVersion. */
  expectVersion?: boolean;
  timeoutSeconds?: (ctx: InstallContext) => number;
}

/**
 * Polls an HTTP endpoint until the judge says ready, showing elapsed time and the last answer; on timeout,
 * fails with the last log lines of the service and a remedy. Polls every 100 ms for the first half
 * minute (a start is usually seconds), then backs off to the configured interval.
 */
export function waitHttp(w: HttpWait): ListrTask<InstallContext> {
  return step(
    w.id,
    w.title,
    async (ctx, task) => {
      const r = await pollUntilReady(ctx, w, {
        ...(task.signal ? { signal: task.signal } : {}),
        output: (l) => {
          task.output = l;
        },
      }).catch(async (e: unknown) => {
        // Never leave the last services half started behind a failure: they end first, the failure is the news.
        await startedLast(ctx).catch(() => undefined);
        throw e;
      });
      // The services the start order starts last (e.g. exporters) were starting meanwhile.
      await startedLast(ctx);
      const after = `after ${r.seconds} s`;
      return w.expectVersion
        ? `${ctx.platform.title} ${ctx.readyVersion} answers (${after})`
        : `${w.title.replace(/^Wait until /, '')} (${after})`;
    },
    { dryRun: (ctx) => `poll ${w.url(ctx)}` },
  );
}

/**
 * The polling behind waitHttp, usable inside other tasks (an upgrade's switch and rollback): resolves with the
 * version answered, or throws with the service's last log lines and a remedy. The shared wait (src/core/wait.ts)
 * watches the containers meanwhile, so a crash ends it in seconds, not at the timeout.
 */
export async function pollUntilReady(
  ctx: InstallContext,
  w: Omit<HttpWait, 'id' | 'title'>,
  io: WaitIO,
): Promise<{ version?: string; seconds: number }> {
  const url = w.url(ctx);
  const judge = w.judge(ctx);
  const timeout = w.timeoutSeconds?.(ctx) ?? ctx.readyTimeoutSeconds;
  const r = await waitFor<string | undefined>(
    ctx,
    {
      what: `${ctx.platform.title} ${ctx.answers.version}`,
      service: w.service(ctx),
      timeoutSeconds: timeout,
      timeoutMessage: (seconds, last) =>
        `${ctx.platform.title} did not answer at ${url} within ${seconds} s (last: ${last}).`,
      async check(signal) {
        const res = await ctx.http.request(url, {
          timeoutMs: 5000,
          ...(signal ? { signal } : {}),
          ...(io.ignoreAbort ? { ignoreAbort: true } : {}),
        });
        const verdict = judge(res.status, res.body, res.headers ?? {});
        if (!verdict.ready) return { done: false, detail: verdict.detail };
        if (w.expectVersion && verdict.version && verdict.version !== ctx.answers.version)
          return {
            done: false,
            detail: `answers with version ${verdict.version}, expected ${ctx.answers.version}`,
          };
        return { done: true, value: verdict.version };
      },
    },
    io,
  );
  if (w.expectVersion) ctx.readyVersion = r.value ?? ctx.answers.version;
  return { ...(r.value ? { version: r.value } : {}), seconds: r.seconds };
}
