import type { ListrTask } from 'listr2';
import { composeCommand } from '../../src/core/compose.js';
import type { InstallContext, RunOptions } from '../../src/core/context.js';
import { parseEnv, setEnv } from '../../src/core/envfile.js';
import { WizardError } from '../../src/core/errors.js';
import { formatCommand } from '../../src/core/plan.js';
import { step } from '../../src/core/tasks.js';
import { waitFor } from '../../src/core/wait.js';
import { type DbSettings, dbSettings } from './env.js';
import { untilVersion } from './version.js';

/**
 * Mastodon's own steps: wait for PostgreSQL, set the database up only when it is empty, the two halves of the
 * migrations, the owner account. The argv builders are shared with the review (index.ts), so the plan lists
 * exactly what runs.
 */

const rails = (task: string, env: string[] = []) => [
  'run',
  '--rm',
  '-T',
  ...env.flatMap((e) => ['-e', e]),
  'web',
  'bundle',
  'exec',
  'rails',
  task,
];
const tootctl = (...args: string[]) => ['run', '--rm', '-T', 'web', 'bin/tootctl', ...args];

export const mastodonArgs = {
  pgReady: (db: DbSettings) => ['exec', '-T', 'db', 'pg_isready', '-U', db.user, '-d', db.name],
  countTables: (db: DbSettings) => [
    'exec',
    '-T',
    'db',
    'psql',
    '-X',
    '-U',
    db.user,
    '-d',
    db.name,
    '-tAc',
    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
  ],
  // mastodon:setup runs db:setup with SAFETY_ASSURED=1 too (strong_migrations).
  setup: rails('db:setup', ['SAFETY_ASSURED=1']),
  migratePre: rails('db:migrate', ['SKIP_POST_DEPLOYMENT_MIGRATIONS=true']),
  migratePost: rails('db:migrate'),
  createOwner: (username: string, email: string) =>
    tootctl('accounts', 'create', username, '--email', email, '--confirmed', '--role', 'Owner'),
  approve: (username: string) => tootctl('accounts', 'approve', username),
  restart: ['restart', 'web', 'streaming', 'sidekiq'],
};

export const ownerFile = (dataDir: string) => `${dataDir}/owner.env`;

async function productionEnv(ctx: InstallContext): Promise<Record<string, string>> {
  return { ...parseEnv((await ctx.files.readText(`${ctx.answers.dataDir}/.env.production`)) ?? '').values };
}

function compose(ctx: InstallContext, args: string[], extra: Partial<RunOptions> = {}): RunOptions {
  return { ...composeCommand(ctx, args), ...extra };
}

/** Waits (the shared wait) until pg_isready in the db container says PostgreSQL accepts connections. */
export function waitForDatabase(): ListrTask<InstallContext> {
  return step(
    'db:ready',
    'Wait until PostgreSQL accepts connections',
    async (ctx, task) => {
      const args = mastodonArgs.pgReady(dbSettings(await productionEnv(ctx)));
      const r = await waitFor(
        ctx,
        {
          what: 'PostgreSQL',
          service: 'db',
          timeoutSeconds: ctx.readyTimeoutSeconds,
          intervalMs: () => Math.min(500, ctx.pollIntervalMs),
          timeoutMessage: (seconds, last) =>
            `PostgreSQL did not accept connections within ${seconds} s (last: ${last}).`,
          async check(signal) {
            const r = await ctx.runner.run(compose(ctx, args, { reject: false, timeoutMs: 30_000 }), {
              ...(signal ? { signal } : {}),
            });
            if (r.exitCode === 0) return { done: true, value: undefined };
            return {
              done: false,
              detail: `${r.stdout}${r.stderr}`.trim().split('\n').pop() || `exit code ${r.exitCode}`,
            };
          },
        },
        {
          ...(task.signal ? { signal: task.signal } : {}),
          output: (l) => {
            task.output = l;
          },
          remedy: `Fix what the log shows, then run the same install again. The full log: ${ctx.log.path}`,
        },
      );
      return `PostgreSQL accepts connections (after ${r.seconds} s)`;
    },
    {
      dryRun: (ctx) =>
        `poll: ${formatCommand(composeCommand(ctx, mastodonArgs.pgReady(dbSettings(parseEnv(ctx.plan.files.find((f) => f.path === `${ctx.answers.dataDir}/.env.production`)?.content ?? '').values))))}`,
    },
  );
}

/** `rails db:setup` on an empty database only: on one with tables it would be refused (or, forced, erase it). */
export function setupDatabase(): ListrTask<InstallContext> {
  return step(
    'db:setup',
    'Set up the database',
    async (ctx, task) => {
      const db = dbSettings(await productionEnv(ctx));
      const r = await ctx.runner.run(compose(ctx, mastodonArgs.countTables(db)), { signal: task.signal });
      const tables = Number(r.stdout.trim().split('\n').pop());
      if (!Number.isInteger(tables))
        throw new WizardError(
          `Can't tell whether the database ${db.name} is empty: psql answered "${r.stdout.trim()}".`,
          'Check the db container: docker compose logs db',
        );
      if (tables > 0) return `Kept the existing database (${tables} tables): no setup, only migrations`;
      await ctx.runner.run(
        compose(ctx, mastodonArgs.setup, {
          remedy: 'Read the error above; `docker compose logs db` shows the database side.',
        }),
        {
          signal: task.signal,
          onLine: (l) => {
            task.output = l;
          },
        },
      );
      return 'Set up the empty database (rails db:setup)';
    },
    {
      dryRun: (ctx) =>
        `run (on an empty database only): ${formatCommand(composeCommand(ctx, mastodonArgs.setup))}`,
    },
  );
}

export function migrate(phase: 'pre' | 'post'): ListrTask<InstallContext> {
  const args = phase === 'pre' ? mastodonArgs.migratePre : mastodonArgs.migratePost;
  const title = phase === 'pre' ? 'Run the pre-deployment migrations' : 'Run the post-deployment migrations';
  return step(
    `migrate:${phase}`,
    title,
    async (ctx, task) => {
      await ctx.runner.run(
        compose(ctx, args, { remedy: 'Read the migration error above; a re-run continues from here.' }),
        {
          signal: task.signal,
          onLine: (l) => {
            task.output = l;
          },
        },
      );
      return title.replace(/^Run/, 'Ran');
    },
    { dryRun: (ctx) => `run: ${formatCommand(composeCommand(ctx, args))}` },
  );
}

/**
 * Creates the owner once with tootctl (confirmed, role Owner) and approves it. tootctl prints the generated
 * password; it is kept in DATA_DIR/owner.env (0600, root) and never logged. A later run finds that file and
 * creates nothing; an account of that name without the file (an older database) is left as it is.
 */
export function createOwner(): ListrTask<InstallContext> {
  return step(
    'admin',
    'Create the owner account',
    async (ctx, task) => {
      const path = ownerFile(ctx.answers.dataDir);
      const stored = parseEnv((await ctx.files.readText(path)) ?? '').values;
      const username = stored.OWNER_USERNAME ?? ctx.answers.extra.ownerUsername ?? 'owner';
      const email = stored.OWNER_EMAIL ?? ctx.answers.email;
      const approve = () =>
        ctx.runner.run(compose(ctx, mastodonArgs.approve(username)), { signal: task.signal });
      if (stored.OWNER_PASSWORD) {
        ctx.log.addSecret(stored.OWNER_PASSWORD);
        await approve();
        return `Owner "${username}" exists (created by an earlier run)`;
      }
      const r = await ctx.runner.run(
        compose(ctx, mastodonArgs.createOwner(username, email), { reject: false, secretOutput: true }),
        { signal: task.signal },
      );
      const password = /^New password: (\S+)$/m.exec(r.stdout)?.[1];
      if (r.exitCode === 0 && password) {
        ctx.log.addSecret(password);
        await ctx.files.write({
          kind: 'file',
          path,
          mode: 0o600,
          owner: { uid: 0, gid: 0 },
          secret: true,
          content: setEnv(
            '',
            { OWNER_USERNAME: username, OWNER_EMAIL: email, OWNER_PASSWORD: password },
            '# Written by wizard: the owner account tootctl created, and the password it generated',
          ),
          description: 'the owner login',
        });
        await approve();
        return `Created the owner "${username}" (confirmed, role Owner, approved)`;
      }
      const output = `${r.stdout}\n${r.stderr}`.trim();
      if (/\btaken\b/.test(output)) {
        await approve();
        ctx.notes.push(
          `The account "${username}" (or ${email}) already existed in this database; its password was not changed. To set a new one: cd ${ctx.files.real(ctx.answers.dataDir)} && docker compose run --rm web bin/tootctl accounts modify ${username} --reset-password`,
        );
        return `Owner "${username}" already existed (left as it was)`;
      }
      throw new WizardError(
        `tootctl could not create the owner "${username}": ${output.split('\n').slice(-6).join('\n') || `exit code ${r.exitCode}`}`,
        'Check the username and email (--owner-username, --email), then run the same install again.',
      );
    },
    {
      dryRun: (ctx) =>
        `run (once): ${formatCommand(composeCommand(ctx, mastodonArgs.createOwner(ctx.answers.extra.ownerUsername ?? 'owner', ctx.answers.email)))}`,
    },
  );
}

export function restart(): ListrTask<InstallContext> {
  return step(
    'restart',
    'Restart web, streaming and sidekiq',
    async (ctx, task) => {
      await ctx.runner.run(compose(ctx, mastodonArgs.restart), {
        signal: task.signal,
        onLine: (l) => {
          task.output = l;
        },
      });
      return 'Restarted web, streaming and sidekiq';
    },
    { dryRun: (ctx) => `run: ${formatCommand(composeCommand(ctx, mastodonArgs.restart))}` },
  );
}

/** Mastodon answers only for its own host name and over https (behind the proxy): ask /api/v1/instance so. */
export function checkVersion(): ListrTask<InstallContext> {
  return step(
    'version',
    'Check the version Mastodon reports',
    async (ctx, task) => {
      const version = await untilVersion(
        ctx,
        {
          ...(task.signal ? { signal: task.signal } : {}),
          output: (l) => {
            task.output = l;
          },
        },
        { strict: true, timeoutSeconds: Math.min(60, ctx.readyTimeoutSeconds) },
      );
      ctx.readyVersion = version;
      return `Mastodon ${version} answers on /api/v1/instance`;
    },
    {
      dryRun: (ctx) =>
        `GET http://127.0.0.1:${ctx.answers.port}/api/v1/instance (Host: ${ctx.answers.domain})`,
    },
  );
}

/** Says whether Mastodon can send mail (SMTP_SERVER in .env.production), and what to do if not. */
export function checkMail(): ListrTask<InstallContext> {
  return step('mail', 'Check the outgoing mail settings', async (ctx) => {
    const env = await productionEnv(ctx);
    if (env.SMTP_SERVER) return `Outgoing mail goes through ${env.SMTP_SERVER}:${env.SMTP_PORT ?? '587'}`;
    ctx.notes.push(
      `No SMTP server is set: Mastodon sends no mail (no confirmations, password resets or notifications). Set SMTP_SERVER, SMTP_PORT, SMTP_LOGIN, SMTP_PASSWORD and SMTP_FROM_ADDRESS in ${ctx.files.real(`${ctx.answers.dataDir}/.env.production`)}, then run docker compose up -d there (or re-run the wizard with --smtp-host).`,
    );
    return 'No outgoing mail: no SMTP server is set';
  });
}
