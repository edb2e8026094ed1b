import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Listr } from 'listr2';
import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/core/answers.js';
import type { HttpClient } from '../../src/core/context.js';
import { parseEnv } from '../../src/core/envfile.js';
import type { Platform, Release } from '../../src/core/platform.js';
import { nextAndNewest, upgradePath } from '../../src/core/upgrade.js';
import { type UpgradeContext, upgradeTasks } from '../../src/engine/upgrade-tasks.js';
import { RealArchiver } from '../../src/system/archive.js';
import { RealFileStore } from '../../src/system/files.js';
import { findPlatform } from '../../steps/index.js';
import { createMockContext, createMockRunner } from '../helpers/factories.js';
import type { FakeRow } from '../helpers/fake-runner.js';
import { stackCalls, stackRows } from '../helpers/stack-rows.js';
import { tmpRoot } from '../helpers/tmp.js';

const rel = (...v: string[]): Release[] => v.map((version) => ({ version }));
const platform = (id: string) => findPlatform(id) as Platform;
const spec = (id: string) => platform(id).upgrade as NonNullable<Platform['upgrade']>;

describe('each platform states its own upgrade rules', () => {
  it.each([
    ['mastodon', 'minor-by-minor', 'https://github.com/mastodon/mastodon/releases'],
    [
      'mattermost',
      'release-by-release',
      'https://docs.mattermost.com/product-overview/mattermost-server-releases.html',
    ],
    ['chatmail', 'any-newer', 'https://github.com/chatmail/relay/blob/main/CHANGELOG.md'],
    ['rocketchat', 'major-by-major', 'https://github.com/RocketChat/Rocket.Chat/releases'],
  ])('%s: %s, release notes at %s', (id, kind, notes) => {
    expect(spec(id).rule).toEqual({ kind });
    expect(spec(id).releaseNotes).toBe(notes);
  });

  // [platform, from, to, releases (synthetic, or the shipped list), steps]
  it.each<[string, string, string, Release[] | 'shipped', string[]]>([
    // Mastodon: every minor series in turn (its newest patch), patch releases skippable.
    ['mastodon', '4.3.17', '4.5.11', 'shipped', ['4.4.8', '4.5.11']],
    ['mastodon', '4.4.8', '4.5.11', 'shipped', ['4.5.11']],
    ['mastodon', '4.5.9', '4.5.11', 'shipped', ['4.5.11']],
    [
      'mastodon',
      '4.1.0',
      '4.4.1',
      rel('4.1.0', '4.1.5', '4.2.0', '4.2.9', '4.3.0', '4.3.8', '4.4.0', '4.4.1'),
      ['4.2.9', '4.3.8', '4.4.1'],
    ],
    ['mastodon', '4.2.0', '4.2.9', rel('4.2.0', '4.2.1', '4.2.9'), ['4.2.9']],
    // Mattermost: one ESR to the next, never skipping one.
    ['mattermost', '10.11.23', '11.7.15', 'shipped', ['11.7.15']],
    [
      'mattermost',
      '9.11.5',
      '11.7.15',
      rel('9.11.5', '10.5.2', '10.11.23', '11.7.15'),
      ['10.5.2', '10.11.23', '11.7.15'],
    ],
    // chatmail: any newer tag, in one step.
    ['chatmail', '1.10.0', '1.12.0', 'shipped', ['1.12.0']],
    ['chatmail', '1.11.0', '1.12.0', 'shipped', ['1.12.0']],
  ])('%s %s -> %s walks the documented path', (id, from, to, releases, steps) => {
    expect(
      upgradePath(spec(id).rule, from, to, releases === 'shipped' ? platform(id).releases : releases),
    ).toEqual({ ok: true, steps });
  });

  it.each([
    ['mastodon', '4.5.11', '4.4.8'],
    ['mattermost', '11.7.15', '10.11.23'],
    ['chatmail', '1.12.0', '1.10.0'],
  ])('%s refuses the downgrade %s -> %s', (id, from, to) => {
    expect(upgradePath(spec(id).rule, from, to, platform(id).releases)).toMatchObject({
      ok: false,
      reason: `${to} is older than the running ${from}: downgrades are not supported.`,
    });
  });

  it.each([
    ['mastodon', '4.3.17', { next: '4.4.8', newest: '4.5.11' }],
    ['mattermost', '10.11.23', { next: '11.7.15', newest: '11.7.15' }],
    ['chatmail', '1.10.0', { next: '1.12.0', newest: '1.12.0' }],
    ['chatmail', '1.12.0', {}],
  ])('--check for %s %s', (id, current, answer) => {
    expect(nextAndNewest(spec(id).rule, current, platform(id).releases)).toEqual(answer);
  });

  it('each release sets only what changes: the image tag (never the PostgreSQL tag or credentials)', () => {
    expect(spec('mattermost').envFor({ version: '11.7.15', postgres: '17-alpine' })).toEqual({
      MATTERMOST_IMAGE_TAG: '11.7.15',
    });
    expect(spec('mastodon').envFor({ version: '4.5.11', postgres: '14-alpine' })).toEqual({
      MASTODON_VERSION: '4.5.11',
    });
    expect(spec('chatmail').envFor({ version: '1.12.0', image: 'ghcr.io/chatmail/docker:1.12.0' })).toEqual({
      CHATMAIL_IMAGE: 'ghcr.io/chatmail/docker:1.12.0',
    });
  });

  it('backups: pg_dump inside the database container for Mastodon and Mattermost with their data folders; chatmail its volumes, stopped', () => {
    expect(spec('mastodon').backup?.dump).toMatchObject({
      service: 'db',
      file: 'postgres.dump',
      stop: ['web', 'streaming', 'sidekiq'],
    });
    expect(spec('mastodon').backup?.folders?.map((f) => f.path)).toEqual(['public/system', 'redis']);
    expect(spec('mattermost').backup?.dump).toMatchObject({
      service: 'postgres',
      file: 'postgres.dump',
      stop: ['mattermost'],
    });
    expect(spec('mattermost').backup?.folders?.map((f) => f.path)).toContain('volumes/app/mattermost/data');
    expect(spec('mattermost').backup?.dump?.command.join(' ')).toMatch(
      /pg_dump --format=custom .*-U "\$POSTGRES_USER"/,
    );
    expect(spec('mattermost').backup?.dump?.restore.join(' ')).toMatch(
      /pg_restore --clean --if-exists .*-U "\$POSTGRES_USER"/,
    );
    expect(spec('rocketchat').backup?.downtime.stop).toEqual([]);
    expect(spec('chatmail').backup?.dump).toBeUndefined();
    expect(spec('chatmail').backup?.volumes?.map((v) => v.name)).toEqual(['mail', 'dkim']);
    expect(spec('chatmail').backup?.downtime.stop).toEqual(['chatmail']);
    expect(spec('chatmail').backupNote).toMatch(/no database dump/);
  });
});

/** HTTP answers by path: Mastodon's health endpoints and /api/v1/instance with the version `serving()` says. */
function mastodonHttp(serving: () => string | undefined, seen: string[] = []): HttpClient {
  return {
    async request(url, opts) {
      const v = serving();
      if (!v) throw new Error('connection refused');
      const path = new URL(url).pathname;
      seen.push(path);
      if (path === '/api/v1/instance') {
        if (opts?.headers?.host !== 'localhost') return { status: 403, body: '' };
        return { status: 200, body: JSON.stringify({ version: v }) };
      }
      return { status: 200, body: 'OK' };
    },
  };
}

/** What `docker compose config --services` lists, per platform. */
const STACKS: Record<string, string[]> = {
  mastodon: ['db', 'redis', 'web', 'streaming', 'sidekiq'],
  mattermost: ['postgres', 'mattermost'],
  chatmail: ['chatmail'],
};

function setup(
  id: string,
  files: Record<string, string>,
  rows: FakeRow[],
  http: HttpClient,
  from: string,
  to: Release,
) {
  const root = tmpRoot();
  const p = platform(id);
  const dir = `/opt/${id}`;
  mkdirSync(join(root, dir), { recursive: true });
  for (const [name, text] of Object.entries(files))
    writeFileSync(join(root, dir, name), text, { mode: 0o600 });
  // The relay's volumes, as Docker would give their folders.
  for (const v of ['mail', 'dkim']) mkdirSync(join(root, 'volumes', v), { recursive: true });
  writeFileSync(join(root, 'volumes/mail/message'), 'kept');
  const runner = createMockRunner({
    rows: [
      { match: /^docker ps .*service=(db|postgres) --format/, stdout: 'postgres:16-alpine\n' },
      { match: /^docker volume ls .*volume=(\w+)$/, effect: () => undefined, stdout: '' },
      ...rows,
      // The shared compose-up in the platform's start order (its database first, then the rest).
      ...stackRows(p, STACKS[id] ?? []),
    ],
  });
  const run = runner.run.bind(runner);
  runner.run = async (cmd, opts) => {
    const r = await run(cmd, opts);
    const volume = /volume=(\w+)$/.exec(cmd.args.join(' '))?.[1];
    if (cmd.args[0] === 'volume' && cmd.args[1] === 'ls' && volume)
      return { ...r, stdout: `${id}_${volume}\n` };
    return r;
  };
  const answers = withDefaults(
    {
      platform: id,
      domain: 'localhost',
      email: 'a@example.com',
      tls: id === 'chatmail' ? 'letsencrypt' : 'none',
      version: to.version,
      extra: {},
    },
    p,
  );
  const ctx: UpgradeContext = createMockContext({
    answers,
    platform: p,
    project: id,
    proxyProject: 'proxy',
    projectDir: dir,
    runner,
    files: new RealFileStore((x) => join(root, x)),
    http,
    from,
    to,
    envPath: p.upgrade?.envFile?.(answers) ?? `${dir}/.env`,
    backupDir: `${dir}/backups`,
    noBackup: false,
    stamp: '20261122-030000',
    keep: [],
    backupWith: {
      archiver: new RealArchiver(runner),
      wizard: '0.1.0',
      install: {
        name: id,
        platform: id,
        domain: 'localhost',
        email: 'a@example.com',
        dataDir: dir,
        release: from,
        tls: answers.tls,
        port: answers.port,
        repoUrl: '',
        project: id,
        composeFiles: p.composeFiles,
        extra: {},
      },
      record: async () => undefined,
    },
  });
  const env = (name = '.env') => parseEnv(readFileSync(join(root, dir, name), 'utf8')).values;
  const calls = () =>
    runner.calls.map((c) =>
      c
        .replaceAll(root, '')
        .replace(/^docker compose .* -f \S+ /, 'compose ')
        .replace(/^docker compose --project-name \S+ --project-directory \S+ /, 'compose '),
    );
  return {
    root,
    runner,
    ctx,
    env,
    calls,
    list: new Listr<UpgradeContext, 'silent'>(upgradeTasks(), { ctx, renderer: 'silent', exitOnError: true }),
  };
}

const pull: FakeRow = { match: / pull$/ };
const DUMP = `sh -c 'exec pg_dump --format=custom --no-owner -U "$POSTGRES_USER" -d "\${POSTGRES_DB:-$POSTGRES_USER}"'`;
const pgDump: FakeRow = {
  match: / exec -T (db|postgres) sh -c 'exec pg_dump --format=custom /,
  effect: (c) => void writeFileSync(c.stdoutFile as string, 'PGDMP'),
};
const mastodonFiles = {
  '.env': 'MASTODON_VERSION=4.4.8\n',
  'docker-compose.yml': 'services: {}\n',
  '.env.production': 'LOCAL_DOMAIN=localhost\n',
};

describe('Mastodon upgrade tasks (fake runner)', () => {
  it('dumps the database, then pre-deployment migrations, up -d, post-deployment migrations, and waits for both health endpoints and the version', async () => {
    let version: string | undefined = '4.4.8';
    const seen: string[] = [];
    const { list, calls, env, root } = setup(
      'mastodon',
      mastodonFiles,
      [
        pgDump,
        pull,
        { match: / run --rm -T -e SKIP_POST_DEPLOYMENT_MIGRATIONS=true web bundle exec rails db:migrate$/ },
        {
          match: / up -d --remove-orphans$/,
          effect: () => {
            version = '4.5.11';
          },
        },
        { match: / run --rm -T web bundle exec rails db:migrate$/ },
      ],
      mastodonHttp(() => version, seen),
      '4.4.8',
      { version: '4.5.11' },
    );
    await list.run();
    expect(calls()).toEqual([
      expect.stringMatching(/^docker ps --filter .* --filter label=com.docker.compose.service=db --format/),
      `compose exec -T db ${DUMP}`,
      'compose pull',
      'compose run --rm -T -e SKIP_POST_DEPLOYMENT_MIGRATIONS=true web bundle exec rails db:migrate',
      'compose up -d --remove-orphans',
      'compose run --rm -T web bundle exec rails db:migrate',
    ]);
    expect(env()).toEqual({ MASTODON_VERSION: '4.5.11' });
    expect(readFileSync(join(root, 'opt/mastodon/.env.bak'), 'utf8')).toContain('MASTODON_VERSION=4.4.8');
    // After the switch: /health, then the streaming API's, then the version the instance reports.
    const after = seen.slice(seen.lastIndexOf('/health'));
    expect([...new Set(after)]).toEqual(['/health', '/api/v1/streaming/health', '/api/v1/instance']);
    expect(list.tasks.at(-1)?.title).toMatch(/^Mastodon 4.5.11 answers \(after \d+ s\)$/);
  });

  it('a failed post-deployment migration rolls back: the old release in .env, up -d, and it answers again', async () => {
    let version: string | undefined = '4.4.8';
    let ups = 0;
    const { list, calls, env, ctx } = setup(
      'mastodon',
      mastodonFiles,
      [
        pgDump,
        pull,
        { match: /SKIP_POST_DEPLOYMENT_MIGRATIONS=true web bundle exec rails db:migrate$/ },
        {
          match: / up -d --remove-orphans/,
          effect: () => {
            ups++;
            version = ups === 1 ? '4.5.11' : '4.4.8';
          },
        },
        {
          match: / run --rm -T web bundle exec rails db:migrate$/,
          exitCode: 1,
          stderr: 'StandardError: An error has occurred, all later migrations canceled',
        },
      ],
      mastodonHttp(() => version),
      '4.4.8',
      { version: '4.5.11' },
    );
    const err = await list.run().then(
      () => undefined,
      (e: Error & { remedy?: string }) => e,
    );
    expect(err?.message).toMatch(
      /^Mastodon 4.5.11 did not come up \(Error from `docker compose .* run --rm -T web bundle exec rails db:migrate`.*\); 4.4.8 was put back and it answers again\.$/,
    );
    expect(err?.remedy).toContain(`The backup taken before: ${ctx.backupFile}`);
    expect(err?.remedy).toContain('pg_restore --clean --if-exists');
    expect(env()).toEqual({ MASTODON_VERSION: '4.4.8' });
    expect(calls().filter((c) => / up -d| run /.test(c))).toEqual([
      'compose run --rm -T -e SKIP_POST_DEPLOYMENT_MIGRATIONS=true web bundle exec rails db:migrate',
      'compose up -d --remove-orphans',
      'compose run --rm -T web bundle exec rails db:migrate',
      // The rollback: PostgreSQL first, then the rest, from the images on this host.
      'compose up -d --pull never --no-deps db',
      'compose up -d --remove-orphans --pull never --no-deps redis web streaming sidekiq',
    ]);
  });

  it('a new release reporting another version is not taken for the new one', async () => {
    let version: string | undefined = '4.4.8';
    const { list } = setup(
      'mastodon',
      mastodonFiles,
      [pgDump, pull, { match: / run --rm / }, { match: / up -d / }, { match: / logs / }],
      mastodonHttp(() => version),
      '4.4.8',
      { version: '4.5.11' },
    );
    await expect(list.run()).rejects.toThrow(
      /did not report version 4.5.11 .*last: answers with version 4.4.8.*; 4.4.8 was put back/,
    );
    version = undefined;
  });
});

describe('Mattermost and chatmail upgrade tasks (fake runner)', () => {
  it('Mattermost: pg_dump, then only MATTERMOST_IMAGE_TAG changes and up -d starts it (it migrates itself)', async () => {
    let version = '10.11.23';
    const http: HttpClient = {
      async request() {
        return {
          status: 200,
          body: '{"status":"OK"}',
          headers: { 'x-version-id': `${version}.0.abc.false` },
        };
      },
    };
    const { list, calls, env } = setup(
      'mattermost',
      { '.env': 'MATTERMOST_IMAGE_TAG=10.11.23\nPOSTGRES_IMAGE_TAG=16-alpine\nPOSTGRES_PASSWORD=keep\n' },
      [
        pgDump,
        pull,
        {
          match: / up -d --remove-orphans --no-deps mattermost$/,
          effect: () => {
            version = '11.7.15';
          },
        },
      ],
      http,
      '10.11.23',
      { version: '11.7.15', postgres: '17-alpine' },
    );
    await list.run();
    expect(calls().filter((c) => c.startsWith('compose'))).toEqual([
      `compose exec -T postgres ${DUMP}`,
      'compose pull',
      ...stackCalls(platform('mattermost'), ['mattermost'], false, {
        compose: (c) => `compose ${c}`,
        project: 'unused',
      }),
    ]);
    expect(env()).toEqual({
      MATTERMOST_IMAGE_TAG: '11.7.15',
      POSTGRES_IMAGE_TAG: '16-alpine',
      POSTGRES_PASSWORD: 'keep',
    });
  });

  it("chatmail: no dump, and the waits are the container's health check; an exited container is rolled back", async () => {
    let health = 'healthy';
    let ups = 0;
    const inspect = () =>
      JSON.stringify(
        health === 'exited'
          ? {
              Status: 'exited',
              ExitCode: 1,
              StartedAt: '2026-11-22T03:00:00Z',
              Health: { Status: 'unhealthy' },
            }
          : { Status: 'running', StartedAt: '2026-11-22T03:00:00Z', Health: { Status: health } },
      );
    const rows: FakeRow[] = [
      { match: /^docker volume inspect --format '\{\{\.Mountpoint\}\}' chatmail_(mail|dkim)$/ },
      { match: / (stop|start) chatmail$/ },
      { match: / ps --all --quiet chatmail$/, stdout: 'c0ffee\n' },
      { match: /^docker inspect --format '\{\{json \.State\}\}' c0ffee$/ },
      {
        match: / logs /,
        stdout: 'chatmail-init.service: Main process exited, code=exited, status=1/FAILURE',
      },
      pull,
      {
        match: / up -d --remove-orphans/,
        effect: () => {
          ups++;
          health = ups === 1 ? 'exited' : 'healthy';
        },
      },
    ];
    const http: HttpClient = {
      async request() {
        throw new Error('HTTP is not how chatmail is waited for');
      },
    };
    const s = setup(
      'chatmail',
      { '.env': 'MAIL_DOMAIN=localhost\nCHATMAIL_IMAGE=ghcr.io/chatmail/docker:1.11.0\n' },
      rows,
      http,
      '1.11.0',
      { version: '1.12.0', image: 'ghcr.io/chatmail/docker:1.12.0' },
    );
    // The inspect row answers with the current state.
    const run = s.runner.run.bind(s.runner);
    s.runner.run = async (cmd, opts) => {
      const r = await run(cmd, opts);
      if (cmd.args[0] === 'volume' && cmd.args[1] === 'inspect')
        return { ...r, stdout: join(s.root, 'volumes', (cmd.args.at(-1) ?? '').replace('chatmail_', '')) };
      return cmd.args.includes('inspect') ? { ...r, stdout: inspect() } : r;
    };
    const err = await s.list.run().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(
      /^Chatmail relay 1.12.0 did not come up \(Chatmail relay stopped: its chatmail container exited with code 1.*\); 1.11.0 was put back and it answers again\.$/,
    );
    expect(s.env()).toMatchObject({ CHATMAIL_IMAGE: 'ghcr.io/chatmail/docker:1.11.0' });
    expect(s.calls().some((c) => c.includes('pg_dump') || c.includes('exec -T'))).toBe(false);
    expect(s.ctx.backupFile).toMatch(/chatmail-20261122-030000-1.11.0-to-1.12.0.tar$/);
    // Its volumes were copied with the relay stopped, then it started again before the switch.
    expect(s.calls().filter((c) => / (stop|start) chatmail$/.test(c))).toEqual([
      'compose stop chatmail',
      'compose start chatmail',
    ]);
    const archive = await new RealArchiver(s.runner).read(s.ctx.backupFile as string);
    expect(archive.manifest.members.map((m) => m.path)).toContain('volumes/mail/message');
    expect(archive.manifest.downtime).toMatchObject({ stopped: ['chatmail'] });
    expect(ups).toBe(2);
  });
});
