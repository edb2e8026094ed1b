import { composeCommand } from '../../src/core/compose.js';
import { parseEnv, setEnv } from '../../src/core/envfile.js';
import { WizardError } from '../../src/core/errors.js';
import type { CommandSpec } from '../../src/core/plan.js';
import type { Step, StepInput } from '../../src/core/step.js';
import { waitFor } from '../../src/engine/wait.js';
import { type DbSettings, dbSettings } from './env.js';
import { untilVersion } from './version.js';

/**
 * Mastodon's own steps: wait for PostgreSQL, set the database up only when it is empty, the two halves of the
 * migrations, the owner account. Each declares its commands once (see src/core/step.ts); the argv builders are
 * shared with the upgrade.
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

/** The .env.production the plan writes (the database user and name the commands name). */
function plannedProduction(s: StepInput): Record<string, string> {
  const path = `${s.answers.dataDir}/.env.production`;
  return { ...parseEnv(s.planFiles.find((f) => f.path === path)?.content ?? '').values };
}

const compose = (s: StepInput, args: string[], more: Omit<CommandSpec, 'file' | 'args'>): CommandSpec => ({
  ...composeCommand(s, args),
  ...more,
});

/**
 * Waits (the shared wait: the containers are watched meanwhile) until pg_isready in the db container says
 * PostgreSQL accepts connections; each look is the declared command.
 */
export function waitForDatabase(s: StepInput): Step {
  const ready = compose(s, mastodonArgs.pgReady(dbSettings(plannedProduction(s))), {
    description: 'until PostgreSQL accepts connections',
    poll: true,
  });
  return {
    id: 'db:ready',
    title: 'Wait until PostgreSQL accepts connections',
    commands: [ready],
    async run(ctx, io) {
      const r = await waitFor(
        ctx,
        {
          what: 'PostgreSQL',
          service: 'db',
          timeoutSeconds: ctx.readyTimeoutSeconds,
          intervalMs: () => Math.min(500, ctx.pollIntervalMs),
          timeoutMessage: (seconds, last) =>
            `PostgreSQL did not accept connections within ${seconds} s (last: ${last}).`,
          async check() {
            const r = await io.run(ready, { reject: false, timeoutMs: 30_000 });
            if (r.exitCode === 0) return { done: true, value: undefined };
            return {
              done: false,
              detail: `${r.stdout}${r.stderr}`.trim().split('\n').pop() || `exit code ${r.exitCode}`,
            };
          },
        },
        {
          ...(io.signal ? { signal: io.signal } : {}),
          output: io.output,
          remedy: `Fix what the log shows, then run the same install again. The full log: ${ctx.log.path}`,
        },
      );
      return `PostgreSQL accepts connections (after ${r.seconds} s)`;
    },
  };
}

/** `rails db:setup` on an empty database only: on one with tables it would be refused (or, forced, erase it). */
export function setupDatabase(s: StepInput): Step {
  const db = dbSettings(plannedProduction(s));
  const count = compose(s, mastodonArgs.countTables(db), {
    description: 'count the tables of the database',
    remedy: 'Check the db container: docker compose logs db',
  });
  const setup = compose(s, mastodonArgs.setup, {
    description: 'load the schema and seed it; never on an existing database',
    when: 'only on an empty database (no tables)',
    remedy: 'Read the error above; `docker compose logs db` shows the database side.',
  });
  return {
    id: 'db:setup',
    title: 'Set up the database',
    commands: [count, setup],
    async run(_ctx, io) {
      const r = await io.run(count);
      const tables = Number(r.stdout.trim().split('\n').pop());
      if (!Number.isInteger(tables))
        throw new WizardError(
          `Can't tell whether the database ${db.name} is empty: psql answered "${r.stdout.trim()}".`,
          'Check the db container: docker compose logs db',
        );
      if (tables > 0) return `Kept the existing database (${tables} tables): no setup, only migrations`;
      await io.run(setup);
      return 'Set up the empty database (rails db:setup)';
    },
  };
}

export function migrate(s: StepInput, phase: 'pre' | 'post'): Step {
  const title = phase === 'pre' ? 'Run the pre-deployment migrations' : 'Run the post-deployment migrations';
  return {
    id: `migrate:${phase}`,
    title,
    done: title.replace(/^Run/, 'Ran'),
    commands: [
      compose(s, phase === 'pre' ? mastodonArgs.migratePre : mastodonArgs.migratePost, {
        description: `${phase}-deployment migrations`,
        remedy: 'Read the migration error above; a re-run continues from here.',
      }),
    ],
  };
}

/**
 * Creates the owner once with tootctl (confirmed, role Owner) and approves it. tootctl prints the generated
 * password; it is kept in DATA_DIR/owner.env (0600, root) and never logged. A run that finds that file (the plan
 * read it) creates nothing; an account of that name without the file (an older database) is left as it is.
 */
export function createOwner(s: StepInput): Step {
  const path = ownerFile(s.answers.dataDir);
  const stored = parseEnv(s.existing[path] ?? '').values;
  const username = stored.OWNER_USERNAME ?? s.answers.extra.ownerUsername ?? 'owner';
  const email = stored.OWNER_EMAIL ?? s.answers.email;
  const create = compose(s, mastodonArgs.createOwner(username, email), {
    description: `the owner; tootctl prints its password, kept in ${s.files.real(path)} (0600)`,
    when: 'once: unless the account exists',
  });
  const approve = compose(s, mastodonArgs.approve(username), { description: 'approve the owner' });
  const title = 'Create the owner account';
  if (stored.OWNER_PASSWORD) {
    const password = stored.OWNER_PASSWORD;
    return {
      id: 'admin',
      title,
      commands: [approve],
      async run(ctx, io) {
        ctx.log.addSecret(password);
        await io.run(approve);
        return `Owner "${username}" exists (created by an earlier run)`;
      },
    };
  }
  return {
    id: 'admin',
    title,
    commands: [create, approve],
    async run(ctx, io) {
      const r = await io.run(create, { reject: false, secretOutput: true });
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
        await io.run(approve);
        return `Created the owner "${username}" (confirmed, role Owner, approved)`;
      }
      const output = `${r.stdout}\n${r.stderr}`.trim();
      if (/\btaken\b/.test(output)) {
        await io.run(approve);
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
  };
}

export function restart(s: StepInput): Step {
  return {
    id: 'restart',
    title: 'Restart web, streaming and sidekiq',
    done: 'Restarted web, streaming and sidekiq',
    commands: [compose(s, mastodonArgs.restart, { description: 'restart the app containers' })],
  };
}

/** Mastodon answers only for its own host name and over https (behind the proxy): ask /api/v1/instance so. */
export function checkVersion(s: StepInput): Step {
  const get: CommandSpec = {
    file: 'GET',
    args: [`http://127.0.0.1:${s.answers.port}/api/v1/instance`],
    description: `the version Mastodon reports (Host: ${s.answers.domain}, X-Forwarded-Proto: https)`,
  };
  return {
    id: 'version',
    title: 'Check the version Mastodon reports',
    commands: [get],
    async run(ctx, io) {
      // The shared wait on the declared GET: another version fails at once, the containers are watched.
      const version = await untilVersion(
        ctx,
        { ...(io.signal ? { signal: io.signal } : {}), output: io.output },
        { strict: true, timeoutSeconds: Math.min(60, ctx.readyTimeoutSeconds) },
      );
      ctx.readyVersion = version;
      return `Mastodon ${version} answers on /api/v1/instance`;
    },
  };
}

/** Says whether Mastodon can send mail (SMTP_SERVER in .env.production), and what to do if not. */
export function checkMail(_s: StepInput): Step {
  return {
    id: 'mail',
    title: 'Check the outgoing mail settings',
    async run(ctx) {
      const env = {
        ...parseEnv((await ctx.files.readText(`${ctx.answers.dataDir}/.env.production`)) ?? '').values,
      };
      if (env.SMTP_SERVER) return `Outgoing mail goes through ${env.SMTP_SERVER}:${env.SMTP_PORT ?? '587'}`;
      ctx.notes.push(
        `No SMTP server is set: Mastodon sends no mail (no confirmations, password resets or notifications). Set SMTP_SERVER, SMTP_PORT, SMTP_LOGIN, SMTP_PASSWORD and SMTP_FROM_ADDRESS in ${ctx.files.real(`${ctx.answers.dataDir}/.env.production`)}, then run docker compose up -d there (or re-run the wizard with --smtp-host).`,
      );
      return 'No outgoing mail: no SMTP server is set';
    },
  };
}
