import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Listr } from 'listr2';
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../src/commands/deps.js';
import { installCommand } from '../../src/commands/install.js';
import { buildPlan, reviewProps } from '../../src/commands/plan.js';
import { resolveAnswers, withDefaults } from '../../src/core/answers.js';
import type { HttpClient, InstallContext } from '../../src/core/context.js';
import { parseEnv } from '../../src/core/envfile.js';
import { ExitCode, UserError } from '../../src/core/errors.js';
import { formatCommand, formatMode } from '../../src/core/plan.js';
import type { InstallAnswers, TlsMode } from '../../src/core/platform.js';
import { stepTask } from '../../src/engine/step-task.js';
import { templateLoader } from '../../src/system/assets.js';
import { RealFileStore } from '../../src/system/files.js';
import { findPlatform, platforms } from '../../steps/index.js';
import { SECRET_KEYS, vapidKeyPair, vapidPublicKeyOf } from '../../steps/mastodon/secrets.js';
import { createMockContext, createMockJournal, createMockRunner } from '../helpers/factories.js';
import type { FakeRow } from '../helpers/fake-runner.js';
import { expectGolden } from '../helpers/golden.js';
import { MemoryLogger } from '../helpers/memory-logger.js';
import { tmpRoot } from '../helpers/tmp.js';

const registered = findPlatform('mastodon');
if (!registered) throw new Error('mastodon is not registered in steps/index.ts');
const mastodon = registered;
const DIR = '/opt/mastodon';
const PROD = `${DIR}/.env.production`;
const DB = `${DIR}/.env.db`;

function answersFor(over: Partial<InstallAnswers> = {}, tls: TlsMode = 'letsencrypt'): InstallAnswers {
  return withDefaults(
    {
      platform: 'mastodon',
      domain: 'social.example.com',
      email: 'admin@example.com',
      tls,
      extra: {},
      ...over,
    },
    mastodon,
  );
}

function setup(over: Partial<InstallAnswers> = {}, tls: TlsMode = 'letsencrypt') {
  const root = tmpRoot();
  const files = new RealFileStore((p) => join(root, p));
  const deps = {
    files,
    templates: templateLoader(),
    hostPath: (p: string) => `/ROOT${p}`,
    project: 'mastodon',
    proxyProject: 'wizard-proxy',
  };
  return { root, files, answers: answersFor(over, tls), deps };
}

const contentOf = (plan: { files: { path: string; content?: string }[] }, path: string) =>
  plan.files.find((f) => f.path === path)?.content ?? '';
const valuesOf = (plan: { files: { path: string; content?: string }[] }, path: string) =>
  parseEnv(contentOf(plan, path)).values;

/** Replaces every secret's value by <KEY>, so golden files hold the layout, not the randomness. */
function masked(text: string): string {
  const values = parseEnv(text).values;
  let out = text;
  for (const key of [...SECRET_KEYS, 'VAPID_PUBLIC_KEY'])
    if (values[key]) out = out.replaceAll(values[key], `<${key}>`);
  return out;
}

/** Writes the plan's files into the temp root, as the install's writeFiles would. */
async function writePlan(files: RealFileStore, plan: { files: Parameters<RealFileStore['write']>[0][] }) {
  for (const f of plan.files)
    await files.write({
      ...f,
      ...(f.user ? { owner: { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 } } : {}),
    });
}

describe('the Mastodon plan', () => {
  it('renders .env.production, .env.db, docker-compose.yml, the folders and the proxy site (golden)', async () => {
    const { answers, deps, root } = setup();
    const { plan } = await buildPlan(mastodon, answers, deps);
    expectGolden('mastodon.env.production', masked(contentOf(plan, PROD)));
    expectGolden('mastodon.env.db', masked(contentOf(plan, DB)));
    expectGolden('mastodon.docker-compose.yml', contentOf(plan, `${DIR}/docker-compose.yml`));
    expectGolden(
      'mastodon.social.example.com.conf',
      contentOf(plan, '/data/nginx/user_conf.d/social.example.com.conf'),
    );
    expectGolden(
      'mastodon.commands.txt',
      `${plan.commands.map((c) => `${formatCommand(c)}  # ${c.description}${c.when ? ` [${c.when}]` : ''}`.replaceAll(root, '/ROOT')).join('\n')}\n`,
    );
    const layout = plan.files
      .filter((f) => f.path.startsWith(DIR))
      .map(
        (f) =>
          `${f.kind} ${formatMode(f.secret ? 0o600 : f.mode)} ${f.user ?? (f.owner ? `${f.owner.uid}:${f.owner.gid}` : 'root')} ${f.path}`,
      );
    expectGolden('mastodon.files.txt', `${layout.join('\n')}\n`);
    // Both env files hold secrets: 0600, hidden in the review, owned by the mastodon user.
    // Root feeds these to Docker: root's own (no user, no owner), 0600.
    for (const p of [PROD, DB]) {
      const spec = plan.files.find((f) => f.path === p);
      expect(spec).toMatchObject({ mode: 0o600, secret: true });
      expect([spec?.user, spec?.owner]).toEqual([undefined, undefined]);
    }
  });

  it('generates every secret in the format Mastodon expects', async () => {
    const { answers, deps } = setup();
    const v = valuesOf((await buildPlan(mastodon, answers, deps)).plan, PROD);
    expect(v.SECRET_KEY_BASE).toMatch(/^[0-9a-f]{128}$/);
    expect(v.OTP_SECRET).toMatch(/^[0-9a-f]{128}$/);
    expect(v.OTP_SECRET).not.toBe(v.SECRET_KEY_BASE);
    const ar = ['DETERMINISTIC_KEY', 'KEY_DERIVATION_SALT', 'PRIMARY_KEY'].map(
      (k) => v[`ACTIVE_RECORD_ENCRYPTION_${k}`],
    );
    for (const key of ar) expect(key).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(new Set(ar).size).toBe(3);
    expect(v.DB_PASS).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(valuesOf((await buildPlan(mastodon, answers, deps)).plan, DB)).toMatchObject({
      POSTGRES_USER: 'mastodon',
      POSTGRES_DB: 'mastodon_production',
    });
    // VAPID: Ruby's urlsafe base64 with padding, a P-256 scalar and its uncompressed public point.
    expect(v.VAPID_PRIVATE_KEY).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    expect(v.VAPID_PUBLIC_KEY).toMatch(/^B[A-Za-z0-9_-]{86}=$/);
    expect(vapidPublicKeyOf(v.VAPID_PRIVATE_KEY ?? '')).toBe(v.VAPID_PUBLIC_KEY);
  });

  it('makes VAPID key pairs that sign and verify together (an independent check with JWKs)', () => {
    for (let i = 0; i < 5; i++) {
      const { privateKey, publicKey } = vapidKeyPair();
      const pub = Buffer.from(publicKey, 'base64url');
      expect(pub).toHaveLength(65);
      const jwk = {
        kty: 'EC',
        crv: 'P-256',
        x: pub.subarray(1, 33).toString('base64url'),
        y: pub.subarray(33).toString('base64url'),
      };
      const priv = createPrivateKey({
        key: { ...jwk, d: Buffer.from(privateKey, 'base64url').toString('base64url') },
        format: 'jwk',
      });
      const signature = sign('sha256', Buffer.from('web push'), priv);
      expect(
        verify('sha256', Buffer.from('web push'), createPublicKey({ key: jwk, format: 'jwk' }), signature),
      ).toBe(true);
      const other = Buffer.from(vapidKeyPair().publicKey, 'base64url');
      const otherJwk = {
        ...jwk,
        x: other.subarray(1, 33).toString('base64url'),
        y: other.subarray(33).toString('base64url'),
      };
      expect(
        verify(
          'sha256',
          Buffer.from('web push'),
          createPublicKey({ key: otherJwk, format: 'jwk' }),
          signature,
        ),
      ).toBe(false);
    }
    expect(vapidPublicKeyOf('not a key!')).toBeUndefined();
  });

  it('keeps every secret and the keys a user added on a re-plan, and derives a missing VAPID public key', async () => {
    const { answers, deps, files } = setup();
    const first = (await buildPlan(mastodon, answers, deps)).plan;
    await writePlan(files, first);
    appendFileSync(join(files.real(PROD)), 'SINGLE_USER_MODE=true\n');
    const second = (await buildPlan(mastodon, answers, deps)).plan;
    const before = valuesOf(first, PROD);
    const after = valuesOf(second, PROD);
    for (const key of [...SECRET_KEYS, 'VAPID_PUBLIC_KEY']) expect(after[key], key).toBe(before[key]);
    expect(after.SINGLE_USER_MODE).toBe('true');
    expect(valuesOf(second, DB).POSTGRES_PASSWORD).toBe(before.DB_PASS);
    expect(contentOf(second, PROD)).toBe(`${contentOf(first, PROD)}SINGLE_USER_MODE=true\n`);
    // Only the private key left: the public one is derived from it, not a new pair made.
    writeFileSync(files.real(PROD), contentOf(first, PROD).replace(/^VAPID_PUBLIC_KEY=.*\n/m, ''));
    const third = valuesOf((await buildPlan(mastodon, answers, deps)).plan, PROD);
    expect(third.VAPID_PRIVATE_KEY).toBe(before.VAPID_PRIVATE_KEY);
    expect(third.VAPID_PUBLIC_KEY).toBe(before.VAPID_PUBLIC_KEY);
  });

  it('refuses to change LOCAL_DOMAIN of an existing install (bad input: exit 2)', async () => {
    const { answers, deps, files } = setup();
    await writePlan(files, (await buildPlan(mastodon, answers, deps)).plan);
    const err = await buildPlan(mastodon, { ...answers, domain: 'other.example.com' }, deps).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(ExitCode.usage);
    expect((err as UserError).message).toContain('LOCAL_DOMAIN is social.example.com');
  });

  it('with SMTP writes the mail settings; without, says that no mail will be sent and hides the SMTP rows', async () => {
    const { answers, deps, files } = setup();
    const mail = answersFor({
      extra: { smtpHost: 'smtp.example.com', smtpLogin: 'me', smtpPassword: 'hunter2hunter2' },
    });
    const withMail = await buildPlan(mastodon, mail, deps);
    expect(valuesOf(withMail.plan, PROD)).toMatchObject({
      SMTP_SERVER: 'smtp.example.com',
      SMTP_PORT: '587',
      SMTP_LOGIN: 'me',
      SMTP_PASSWORD: 'hunter2hunter2',
      SMTP_FROM_ADDRESS: 'notifications@social.example.com',
    });
    const shown = reviewProps(mastodon, mail, withMail, { files }, [], false);
    expect(JSON.stringify(shown)).not.toContain('hunter2hunter2');
    expect(shown.answers).toContainEqual(['SMTP password', 'set (not shown)']);
    const none = await buildPlan(mastodon, answers, deps);
    expect(valuesOf(none.plan, PROD).SMTP_SERVER).toBeUndefined();
    const props = reviewProps(mastodon, answers, none, { files }, [], false);
    expect(props.files.find((f) => f.path.endsWith('/.env.production'))?.description).toContain(
      'no SMTP server: Mastodon will send no mail',
    );
    expect(props.answers).toContainEqual(['SMTP server', 'none']);
    expect(props.answers.map(([k]) => k)).not.toContain('SMTP port');
    expect(props.answers.map(([k]) => k)).not.toContain('Repository');
  });

  it('routes /api/v1/streaming to the streaming port without buffering, and / to the web port', async () => {
    const { deps } = setup();
    const { plan } = await buildPlan(
      mastodon,
      answersFor({ port: 3100, extra: { streamingPort: '4100' } }),
      deps,
    );
    const site = contentOf(plan, '/data/nginx/user_conf.d/social.example.com.conf');
    expect(site).toMatch(
      /location \/api\/v1\/streaming \{\n\s+proxy_pass http:\/\/127\.0\.0\.1:4100;[\s\S]*?proxy_buffering off;/,
    );
    expect(site).toMatch(/location \/ \{\n\s+proxy_pass http:\/\/127\.0\.0\.1:3100;/);
    expect(contentOf(plan, `${DIR}/docker-compose.yml`)).toContain("- '127.0.0.1:4100:4000'");
    expect(mastodon.requirements.ports(answersFor({ port: 3100, extra: { streamingPort: '4100' } }))).toEqual(
      [3100, 4100],
    );
  });
});

describe('Mastodon answers', () => {
  const deps = (env: Record<string, string> = {}) =>
    ({ platforms, env: { env }, files: { readText: async () => undefined } }) as unknown as Deps;
  const install = (flags: Record<string, unknown>, env: Record<string, string> = {}) =>
    installCommand(
      { platform: 'mastodon', domain: 'social.example.com', email: 'admin@example.com', yes: true, ...flags },
      deps(env),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );

  it('a bad SMTP port is bad input (exit 2), before anything is looked at', async () => {
    const err = await install({ smtpHost: 'smtp.example.com', smtpPort: '99999' });
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(ExitCode.usage);
    expect((err as UserError).message).toBe('"99999" is not a valid SMTP port.');
    expect((err as UserError).remedy).toBe('Use a number from 1 to 65535.');
    expect(
      ((await install({}, { WIZARD_SMTP_PORT: 'abc', WIZARD_SMTP_HOST: 'smtp.example.com' })) as UserError)
        .message,
    ).toBe('"abc" is not a valid SMTP port.');
  });

  it('refuses a reserved owner name and a streaming port equal to the app port', async () => {
    expect(((await install({ ownerUsername: 'admin' })) as UserError).message).toBe(
      '"admin" is reserved on Mastodon.',
    );
    expect(((await install({ ownerUsername: 'no spaces' })) as UserError).message).toContain(
      'is not a valid Mastodon username',
    );
    const same = resolveAnswers([{ platform: 'mastodon', port: '3100', streamingPort: '3100' }], platforms);
    expect(same.errors).toEqual([
      {
        key: 'streamingPort',
        error: "The streaming API can't share port 3100 with the web app.",
        remedy: 'Choose another --streaming-port (default 4000) or --port.',
      },
    ]);
    expect(
      resolveAnswers([{ platform: 'mastodon', smtpHost: 'smtp.example.com:587' }], platforms).errors[0]
        ?.error,
    ).toBe('"smtp.example.com:587" is not an SMTP server name.');
  });
});

// ---- the task tree, driven by the fake runner -------------------------------------------------------------

const PASSWORD = '0123456789abcdef0123456789abcdef';

/** Mastodon's HTTP surface as the wizard polls it. */
function fakeMastodon(version = '4.5.11'): HttpClient & { hosts: string[] } {
  const client = {
    hosts: [] as string[],
    async request(url: string, opts?: { headers?: Record<string, string> }) {
      if (url.endsWith('/api/v1/streaming/health') || url.endsWith('/health'))
        return { status: 200, body: 'OK' };
      if (url.endsWith('/api/v1/instance')) {
        client.hosts.push(opts?.headers?.host ?? '');
        return opts?.headers?.host === 'social.example.com'
          ? { status: 200, body: JSON.stringify({ uri: 'social.example.com', version }) }
          : { status: 403, body: 'Blocked host' };
      }
      throw new Error(`unexpected ${url}`);
    },
  };
  return client;
}

async function tree(
  opts: { tables: number; ownerOutput?: FakeRow; completed?: string[]; root?: string } = { tables: 0 },
) {
  const root = opts.root ?? tmpRoot();
  const files = new RealFileStore((p) => join(root, p));
  const answers = answersFor({ offline: true }, 'none');
  const { plan, steps } = await buildPlan(mastodon, answers, {
    files,
    templates: templateLoader(),
    hostPath: (p) => join(root, p),
    project: 'm-test',
    proxyProject: 'proxy-test',
    completed: new Set(opts.completed ?? []),
  });
  const c = '^docker compose --project-name m-test --project-directory \\S+ -f docker-compose.yml';
  const runner = createMockRunner({
    rows: [
      { match: /^groupadd /, effect: () => appendFileSync(join(root, 'etc/group'), 'mastodon:x:991:\n') },
      {
        match: /^useradd /,
        effect: () =>
          appendFileSync(join(root, 'etc/passwd'), `mastodon:!:991:991:Mastodon:${DIR}:/usr/sbin/nologin\n`),
      },
      // The shared compose-up in Mastodon's start order: PostgreSQL until pg_isready answers, then the rest.
      { match: new RegExp(`${c} up -d --pull never --no-deps db$`) },
      { match: new RegExp(`${c} exec -T db pg_isready -h 127.0.0.1$`) },
      { match: new RegExp(`${c} up -d --remove-orphans --pull never redis$`) },
      { match: new RegExp(`${c} config --services$`), stdout: 'db\nredis\nweb\nstreaming\nsidekiq\n' },
      {
        match: new RegExp(`${c} up -d --remove-orphans --pull never --no-deps redis web streaming sidekiq$`),
      },
      { match: new RegExp(`${c} ps --all --format json$`), stdout: '' },
      {
        match: new RegExp(`${c} exec -T db pg_isready -U mastodon -d mastodon_production$`),
        stdout: '/var/run/postgresql:5432 - accepting connections',
      },
      {
        match: new RegExp(`${c} exec -T db psql -X -U mastodon -d mastodon_production -tAc`),
        stdout: `${opts.tables}\n`,
      },
      { match: new RegExp(`${c} run --rm -T -e SAFETY_ASSURED=1 web bundle exec rails db:setup$`) },
      {
        match: new RegExp(
          `${c} run --rm -T -e SKIP_POST_DEPLOYMENT_MIGRATIONS=true web bundle exec rails db:migrate$`,
        ),
      },
      { match: new RegExp(`${c} run --rm -T web bundle exec rails db:migrate$`) },
      opts.ownerOutput ?? {
        match: new RegExp(
          `${c} run --rm -T web bin/tootctl accounts create owner --email admin@example.com --confirmed --role Owner$`,
        ),
        stdout: `OK\nNew password: ${PASSWORD}\n`,
      },
      { match: new RegExp(`${c} run --rm -T web bin/tootctl accounts approve owner$`), stdout: 'OK' },
      { match: new RegExp(`${c} restart web streaming sidekiq$`) },
    ],
  });
  const log = new MemoryLogger();
  const journal = createMockJournal(opts.completed ?? []);
  const { journaled } = journal;
  const http = fakeMastodon();
  const ctx: InstallContext = createMockContext({
    answers,
    platform: mastodon,
    plan,
    project: 'm-test',
    runner,
    files,
    http,
    log,
    journal,
  });
  const list = new Listr<InstallContext, 'silent'>(steps.map(stepTask), {
    ctx,
    renderer: 'silent',
    exitOnError: true,
  });
  const short = () =>
    runner.calls.map((cmd) =>
      cmd
        .replace(
          /^docker compose --project-name m-test --project-directory \S+ -f docker-compose.yml /,
          'compose ',
        )
        .replaceAll(root, '/ROOT'),
    );
  return { root, ctx, runner, list, journaled, log, http, short, files };
}

describe('the Mastodon task tree (fake runner)', () => {
  it('on an empty database: user, files, db+redis, pg_isready, setup, pre/post migrations, owner once, restart, waits', async () => {
    const { list, short, journaled, root, ctx, log, http } = await tree({ tables: 0 });
    await list.run();
    expect(short()).toEqual([
      `groupadd --prefix /ROOT --system --gid 991 mastodon`,
      `useradd --prefix /ROOT --system --uid 991 --gid mastodon --home-dir ${DIR} --no-create-home --shell /usr/sbin/nologin --comment Mastodon mastodon`,
      'compose up -d --pull never --no-deps db',
      'compose exec -T db pg_isready -h 127.0.0.1',
      'compose up -d --remove-orphans --pull never redis',
      'compose exec -T db pg_isready -U mastodon -d mastodon_production',
      "compose exec -T db psql -X -U mastodon -d mastodon_production -tAc 'SELECT count(*) FROM pg_tables WHERE schemaname = '\\''public'\\'''",
      'compose run --rm -T -e SAFETY_ASSURED=1 web bundle exec rails db:setup',
      'compose run --rm -T -e SKIP_POST_DEPLOYMENT_MIGRATIONS=true web bundle exec rails db:migrate',
      'compose config --services',
      'compose up -d --pull never --no-deps db',
      'compose exec -T db pg_isready -h 127.0.0.1',
      'compose up -d --remove-orphans --pull never --no-deps redis web streaming sidekiq',
      'compose run --rm -T web bundle exec rails db:migrate',
      'compose run --rm -T web bin/tootctl accounts create owner --email admin@example.com --confirmed --role Owner',
      'compose run --rm -T web bin/tootctl accounts approve owner',
      'compose restart web streaming sidekiq',
    ]);
    expect(journaled).toEqual([
      'user:mastodon',
      'files:Write docker-compose.yml, .env.production and .env.db',
      'up:db,redis',
      'db:ready',
      'db:setup',
      'migrate:pre',
      'up',
      'migrate:post',
      'admin',
      'restart',
      'ready',
      'ready:streaming',
      'version',
      'mail',
    ]);
    expect(list.tasks.map((t) => t.title ?? '').filter((t) => !/proxy/.test(t))).toEqual([
      'Created the system user mastodon (uid 991)',
      'Wrote docker-compose.yml, .env.production and .env.db (9 changed, 0 unchanged)',
      'Started PostgreSQL and Redis',
      expect.stringMatching(/^PostgreSQL accepts connections \(after \d+ s\)$/),
      'Set up the empty database (rails db:setup)',
      'Ran the pre-deployment migrations',
      'Started the containers',
      'Ran the post-deployment migrations',
      'Created the owner "owner" (confirmed, role Owner, approved)',
      'Restarted web, streaming and sidekiq',
      expect.stringMatching(/^Mastodon answers \(after \d+ s\)$/),
      expect.stringMatching(/^Mastodon streaming answers \(after \d+ s\)$/),
      'Mastodon 4.5.11 answers on /api/v1/instance',
      'No outgoing mail: no SMTP server is set',
    ]);
    expect(http.hosts).toEqual(['social.example.com']);
    expect(ctx.readyVersion).toBe('4.5.11');
    expect(ctx.notes[0]).toContain('No SMTP server is set: Mastodon sends no mail');
    // The staging root got its own passwd; the owner's password is stored 0600 and never logged.
    expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).toBe(
      `root:x:0:0:root:/root:/bin/sh\nmastodon:!:991:991:Mastodon:${DIR}:/usr/sbin/nologin\n`,
    );
    const owner = join(root, DIR, 'owner.env');
    expect(statSync(owner).mode & 0o777).toBe(0o600);
    expect(parseEnv(readFileSync(owner, 'utf8')).values).toEqual({
      OWNER_USERNAME: 'owner',
      OWNER_EMAIL: 'admin@example.com',
      OWNER_PASSWORD: PASSWORD,
    });
    expect(log.lines.join('\n')).not.toContain(PASSWORD);
    // Modes; owners where the test runs as root.
    expect(statSync(join(root, DIR, '.env.production')).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, DIR, 'docker-compose.yml')).mode & 0o777).toBe(0o644);
    expect(statSync(join(root, DIR, 'postgres14')).mode & 0o777).toBe(0o700);
    if (process.getuid?.() === 0) {
      // What root feeds to Docker is root's; only the containers' data folders are theirs.
      for (const f of ['', '.env.production', '.env.db', '.env', 'docker-compose.yml', 'public'])
        expect([f, statSync(join(root, DIR, f)).uid]).toEqual([f, 0]);
      expect(statSync(join(root, DIR, 'public/system')).uid).toBe(991);
      expect(statSync(join(root, DIR, 'postgres14')).uid).toBe(70);
      expect(statSync(owner).uid).toBe(0);
    }
  });

  it('on an existing database never sets it up (only migrates), and never creates the owner twice', async () => {
    const first = await tree({ tables: 0 });
    await first.list.run();
    const again = await tree({ tables: 57, root: first.root, completed: first.journaled });
    await again.list.run();
    const calls = again.short();
    expect(calls.some((c) => c.includes('db:setup'))).toBe(false);
    expect(calls.some((c) => /^(useradd|groupadd)/.test(c))).toBe(false);
    expect(calls.some((c) => c.includes('accounts create'))).toBe(false);
    expect(calls.filter((c) => c.includes('db:migrate'))).toEqual([
      'compose run --rm -T -e SKIP_POST_DEPLOYMENT_MIGRATIONS=true web bundle exec rails db:migrate',
      'compose run --rm -T web bundle exec rails db:migrate',
    ]);
    expect(again.list.tasks.map((t) => t.title)).toEqual(
      expect.arrayContaining([
        'System user mastodon exists (uid 991)',
        'Kept the existing database (57 tables): no setup, only migrations',
        'Owner "owner" exists (created by an earlier run)',
      ]),
    );
  });

  it('takes another uid when 991 is taken, and leaves an owner it did not create alone', async () => {
    const root = tmpRoot();
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(
      join(root, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\nsomeone:x:991:991::/home/someone:/bin/sh\n',
    );
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\nsomeone:x:991:\n');
    const taken: FakeRow = {
      match: /tootctl accounts create/,
      exitCode: 1,
      stderr: 'Failure/Error: account.username\n    taken\n',
    };
    const { list, short, ctx } = await tree({ tables: 57, root, ownerOutput: taken });
    await list.run();
    expect(short().slice(0, 2)).toEqual([
      'groupadd --prefix /ROOT --system mastodon',
      `useradd --prefix /ROOT --system --gid mastodon --home-dir ${DIR} --no-create-home --shell /usr/sbin/nologin --comment Mastodon mastodon`,
    ]);
    expect(list.tasks.find((t) => t.title?.startsWith('Owner'))?.title).toBe(
      'Owner "owner" already existed (left as it was)',
    );
    expect(ctx.notes.join('\n')).toContain('bin/tootctl accounts modify owner --reset-password');
    expect(existsSync(join(root, DIR, 'owner.env'))).toBe(false);
  });

  it('fails with the error tootctl gives for anything else', async () => {
    const bad: FakeRow = {
      match: /tootctl accounts create/,
      exitCode: 1,
      stderr: 'Cannot find user role with that name',
    };
    const { list } = await tree({ tables: 0, ownerOutput: bad });
    await expect(list.run()).rejects.toThrow(
      'tootctl could not create the owner "owner": Cannot find user role with that name',
    );
  });
});
