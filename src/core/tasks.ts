import { composeCommand } from './compose.js';
import type { InstallContext } from './context.js';
import { CancelledError, WizardError } from './errors.js';
import type { CommandSpec, FileSpec } from './plan.js';
import { lookupSystemUser, parseAccounts, type Step, type StepInput } from './step.js';

/**
 * Shared step declarations every platform builds its install from (see step.ts): each says once what it
 * writes and runs, for the review, the dry run and the run. They reach the world only through the
 * context's runner, file store and HTTP client, so the fake runner drives them in tests.
 */

/**
 * Clones the platform's compose repository into the data dir, or fast-forwards a clean existing clone (the plan
 * knows which: it looked for DATA_DIR/.git).
 */
export function cloneRepo(s: StepInput): Step {
  const dir = s.files.real(s.projectDir);
  const branch = s.platform.repo?.branch ?? 'main';
  const title = 'Clone the compose repository';
  const git = (args: string[], more: Omit<CommandSpec, 'file' | 'args'>): CommandSpec => ({
    file: 'git',
    args: ['-C', dir, ...args],
    ...more,
  });
  if (s.existingPaths.has(`${s.projectDir}/.git`)) {
    // --no-optional-locks: a read-only look never writes the index (it would fail on a full disk).
    const status = git(['--no-optional-locks', 'status', '--porcelain'], {
      description: 'look for local changes in the existing clone (a clone with changes is left as it is)',
    });
    const fetch = git(['fetch', '--quiet', 'origin', branch], {
      description: `fetch ${branch} from ${s.answers.repoUrl}`,
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
          ctx.notes.push(`Could not update ${dir} from ${ctx.answers.repoUrl}; the existing clone was used.`);
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
    args: ['clone', '--quiet', '--branch', branch, '--', s.answers.repoUrl, dir],
    description: "clone the compose repository (the wizard's own files go to its .git/info/exclude)",
    remedy: 'Check that the server reaches the repository, or pass --repo-url with a mirror.',
  };
  return {
    id: 'clone',
    title,
    commands: [...(empty ? [empty] : []), clone],
    async run(ctx, io) {
      if (empty && (await io.run(empty)).stdout.trim() !== '') {
        throw new WizardError(
          `${dir} exists, is not empty and is not a clone of ${ctx.answers.repoUrl}.`,
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

/** Writes the plan's files under a path prefix (atomically; env files merged; secrets 0600). */
export function writeFiles(s: StepInput, title: string, prefix: string): Step {
  const files: FileSpec[] = s.planFiles.filter((f) => f.path === prefix || f.path.startsWith(`${prefix}/`));
  return {
    id: `files:${title}`,
    title,
    files,
    async run(_ctx, io) {
      const outcomes = [];
      for (const spec of files) outcomes.push(await io.write(spec));
      const changed = outcomes.filter((o) => o !== 'unchanged').length;
      return `${title.replace(/^Write/, 'Wrote')} (${changed} changed, ${outcomes.length - changed} unchanged)`;
    },
  };
}

/**
 * Creates a system user and its group through the runner (groupadd, useradd), unless the user exists: with
 * the wanted uid (and the same gid) where free, else ids the system picks. No home is created and the login
 * shell is nologin. Under WIZARD_ROOT it edits ROOT/etc/passwd and ROOT/etc/group (`--prefix`; seeded with
 * root when missing), never the host's. The plan read both files, so it knows which commands run.
 */
export function ensureSystemUser(
  s: StepInput,
  user: { name: string; uid?: number; home: string; comment?: string },
): Step {
  const prefix = s.files.real('/').replace(/\/+$/, '');
  const seeds = { passwd: 'root:x:0:0:root:/root:/bin/sh\n', group: 'root:x:0:\n' };
  const passwd = parseAccounts(s.existing['/etc/passwd'] ?? (prefix === '' ? '' : seeds.passwd));
  const groups = parseAccounts(s.existing['/etc/group'] ?? (prefix === '' ? '' : seeds.group));
  const title = `Create the system user ${user.name}`;
  const id = `user:${user.name}`;
  const existing = passwd.find((a) => a.name === user.name);
  if (existing)
    return { id, title, done: `System user ${user.name} exists (uid ${existing.id})`, commands: [] };
  const remedy =
    'useradd and groupadd (package passwd or shadow-utils) must work as root; create the user by hand and run the install again.';
  const at = prefix === '' ? [] : ['--prefix', prefix];
  const uidFree = user.uid !== undefined && !passwd.some((a) => a.id === user.uid);
  const gidFree = user.uid !== undefined && !groups.some((a) => a.id === user.uid);
  const groupadd: CommandSpec | undefined = groups.some((g) => g.name === user.name)
    ? undefined
    : {
        file: 'groupadd',
        args: [...at, '--system', ...(gidFree ? ['--gid', String(user.uid)] : []), user.name],
        description: `the ${user.name} group${gidFree ? ` (gid ${user.uid})` : ''}`,
        remedy,
      };
  const useradd: CommandSpec = {
    file: 'useradd',
    args: [
      ...at,
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
    description: `the ${user.name} system user${uidFree ? ` (uid ${user.uid})` : `${user.uid === undefined ? '' : ` (uid ${user.uid} is taken: the system picks one)`}`}`,
    remedy,
  };
  return {
    id,
    title,
    commands: [...(groupadd ? [groupadd] : []), useradd],
    async run(ctx, io) {
      if (prefix !== '') {
        // A staging root: useradd --prefix edits ROOT/etc, which needs at least root's lines.
        if (!(await ctx.files.exists('/etc/passwd')))
          await ctx.files.write({
            kind: 'file',
            path: '/etc/passwd',
            mode: 0o644,
            content: seeds.passwd,
            description: 'users (staging root)',
          });
        if (!(await ctx.files.exists('/etc/group')))
          await ctx.files.write({
            kind: 'file',
            path: '/etc/group',
            mode: 0o644,
            content: seeds.group,
            description: 'groups (staging root)',
          });
      }
      const found = await lookupSystemUser(ctx, user.name);
      if (found) return `System user ${user.name} exists (uid ${found.uid})`;
      if (groupadd) await io.run(groupadd);
      await io.run(useradd);
      const made = await lookupSystemUser(ctx, user.name);
      if (!made)
        throw new WizardError(
          `useradd did not add ${user.name} to ${ctx.files.real('/etc/passwd')}.`,
          remedy,
        );
      return `Created the system user ${user.name} (uid ${made.uid}${user.uid === undefined || made.uid === user.uid ? '' : `: ${user.uid} was taken`})`;
    },
  };
}

/** Pulls every image of the install, showing Compose's progress lines; with --offline there is no such step. */
export function pullImages(s: StepInput): Step[] {
  if (s.answers.offline) return [];
  return [
    {
      id: 'pull',
      title: 'Pull images',
      done: 'Pulled images',
      commands: [
        {
          ...composeCommand(s, ['pull']),
          description: 'pull images',
          remedy: 'Check that this server reaches the image registry, or load the images and pass --offline.',
        },
      ],
    },
  ];
}

/** `docker compose up -d` for the whole stack or some services. */
export function composeUp(
  s: StepInput,
  services: string[] = [],
  title = 'Start the containers',
  description = 'start the containers',
): Step {
  return {
    id: `up${services.length ? `:${services.join(',')}` : ''}`,
    title,
    done: title.replace(/^Start/, 'Started'),
    commands: [
      {
        ...composeCommand(s, [
          'up',
          '-d',
          '--remove-orphans',
          ...(s.answers.offline ? ['--pull', 'never'] : []),
          ...services,
        ]),
        description,
        remedy: s.answers.offline
          ? 'With --offline every image must already be on this host (docker images); load them or drop --offline.'
          : 'Read the error above; `docker compose ps` in the data directory shows the containers.',
      },
    ],
  };
}

/** Polls the platform's readiness endpoint on 127.0.0.1 until it answers with the expected version. */
export function waitReady(s: StepInput): Step {
  const r = s.platform.readiness;
  return waitHttp({
    id: 'ready',
    title: 'Wait until the platform answers',
    url: `http://127.0.0.1:${r.port?.(s.answers) ?? s.answers.port}${r.path}`,
    judge: r.judge,
    service: r.service,
    expectVersion: true,
    until: `until ${s.platform.title} ${s.answers.version} answers`,
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
export function waitHttp(w: {
  id: string;
  title: string;
  url: string;
  judge: ReturnType<HttpWait['judge']>;
  service: string;
  expectVersion?: boolean;
  /** What the review says the poll waits for ("until the streaming API answers"). */
  until: string;
}): Step {
  const get: CommandSpec = { file: 'GET', args: [w.url], description: w.until, poll: true };
  return {
    id: w.id,
    title: w.title,
    commands: [get],
    async run(ctx, io) {
      const r = await pollUntilReady(
        ctx,
        {
          url: () => w.url,
          judge: () => w.judge,
          service: () => w.service,
          ...(w.expectVersion ? { expectVersion: true } : {}),
        },
        { ...(io.signal ? { signal: io.signal } : {}), output: io.output },
      );
      const after = `after ${r.seconds} s`;
      return w.expectVersion
        ? `${ctx.platform.title} ${ctx.readyVersion} answers (${after})`
        : `${w.title.replace(/^Wait until /, '')} (${after})`;
    },
  };
}

/**
 * The polling behind waitHttp, usable inside other tasks (an upgrade's switch and rollback): resolves
 * with the version answered, or throws with the service's last log lines and a remedy.
 */
export async function pollUntilReady(
  ctx: InstallContext,
  w: Omit<HttpWait, 'id' | 'title'>,
  io: { signal?: AbortSignal; output: (line: string) => void; remedy?: string; ignoreAbort?: boolean },
): Promise<{ version?: string; seconds: number }> {
  const url = w.url(ctx);
  const judge = w.judge(ctx);
  const timeout = w.timeoutSeconds?.(ctx) ?? ctx.readyTimeoutSeconds;
  const started = Date.now();
  const deadline = started + timeout * 1000;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (io.signal?.aborted) throw io.signal.reason;
    try {
      const res = await ctx.http.request(url, {
        timeoutMs: 5000,
        ...(io.signal ? { signal: io.signal } : {}),
        ...(io.ignoreAbort ? { ignoreAbort: true } : {}),
      });
      const verdict = judge(res.status, res.body, res.headers ?? {});
      last = verdict.detail;
      if (verdict.ready) {
        if (w.expectVersion && verdict.version && verdict.version !== ctx.answers.version) {
          last = `answers with version ${verdict.version}, expected ${ctx.answers.version}`;
        } else {
          if (w.expectVersion) ctx.readyVersion = verdict.version ?? ctx.answers.version;
          return {
            ...(verdict.version ? { version: verdict.version } : {}),
            seconds: Math.round((Date.now() - started) / 1000),
          };
        }
      }
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      last = e instanceof Error ? e.message : String(e);
    }
    io.output(`${Math.round((Date.now() - started) / 1000)} s: ${last}`);
    const delay = Date.now() - started < 30_000 ? Math.min(100, ctx.pollIntervalMs) : ctx.pollIntervalMs;
    await new Promise((res) => setTimeout(res, delay));
  }
  const service = w.service(ctx);
  const logs = await ctx.runner.run({
    ...composeCommand(ctx, ['logs', '--no-color', '--tail', '30', service]),
    reject: false,
    ...(io.ignoreAbort ? { ignoreAbort: true } : {}),
  });
  const tail = `${logs.stdout}${logs.stderr}`.trim().split('\n').slice(-30).join('\n');
  throw new WizardError(
    `${ctx.platform.title} did not answer at ${url} within ${timeout} s (last: ${last}).\nLast lines of the ${service} container's log:\n${tail}`,
    io.remedy ??
      `Fix what the log shows, then run the same install again: it continues from here. The full log: ${ctx.log.path}`,
  );
}
