import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Listr } from 'listr2';
import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/core/answers.js';
import type { HttpClient } from '../../src/core/context.js';
import { parseEnv } from '../../src/core/envfile.js';
import type { Platform } from '../../src/core/platform.js';
import { type UpgradeContext, upgradeTasks } from '../../src/engine/upgrade-tasks.js';
import { RealArchiver } from '../../src/system/archive.js';
import { RealFileStore } from '../../src/system/files.js';
import { findPlatform } from '../../steps/index.js';
import { createMockContext, createMockRunner } from '../helpers/factories.js';
import type { FakeRow } from '../helpers/fake-runner.js';
import { stackCalls, stackRows } from '../helpers/stack-rows.js';
import { tmpRoot } from '../helpers/tmp.js';

const platform = findPlatform('rocketchat') as Platform;

/** The server answers with `serving()` as its version; `down` makes it refuse connections. */
function server(serving: () => string | undefined): HttpClient {
  return {
    // MongoDB's port (the start order's wait for it) takes connections at once.
    async connect() {},
    async request() {
      const v = serving();
      if (!v) throw new Error('connection refused');
      return { status: 200, body: JSON.stringify({ version: v, success: true }) };
    },
  };
}

function setup(rows: FakeRow[], http: HttpClient) {
  const root = tmpRoot();
  mkdirSync(join(root, 'opt/rocketchat'), { recursive: true });
  writeFileSync(
    join(root, 'opt/rocketchat/.env'),
    '# mine\nRELEASE=7.13.0\nMONGODB_VERSION=8.0\nADMIN_PASS=keep\n',
    { mode: 0o600 },
  );
  const runner = createMockRunner({
    rows: [
      {
        match: /^docker ps .*service=mongodb --format/,
        stdout: 'mongodb/mongodb-community-server:8.0-ubi8\n',
      },
      ...rows,
    ],
  });
  const answers = withDefaults(
    {
      platform: 'rocketchat',
      domain: 'localhost',
      email: 'a@example.com',
      tls: 'none',
      version: '8.0.1',
      extra: {},
    },
    platform,
  );
  const ctx: UpgradeContext = createMockContext({
    answers,
    platform,
    project: 'rc',
    proxyProject: 'proxy',
    projectDir: '/opt/rocketchat',
    runner,
    files: new RealFileStore((p) => join(root, p)),
    http,
    from: '7.13.0',
    to: { version: '8.0.1', mongodb: '8.2' },
    envPath: '/opt/rocketchat/.env',
    backupDir: '/opt/rocketchat/backups',
    noBackup: false,
    stamp: '20261122-030000',
    keep: [],
  });
  const recorded: string[] = [];
  ctx.backupWith = {
    archiver: new RealArchiver(runner),
    wizard: '0.1.0',
    install: {
      name: 'rocketchat',
      platform: 'rocketchat',
      domain: 'localhost',
      email: 'a@example.com',
      dataDir: '/opt/rocketchat',
      release: '7.13.0',
      tls: 'none',
      port: 3000,
      repoUrl: '',
      project: 'rc',
      composeFiles: platform.composeFiles,
      extra: {},
    },
    record: async (r) => void recorded.push(r.digest),
  };
  const env = () => parseEnv(readFileSync(join(root, 'opt/rocketchat/.env'), 'utf8')).values;
  return {
    root,
    runner,
    ctx,
    env,
    recorded,
    list: new Listr<UpgradeContext, 'silent'>(upgradeTasks(), { ctx, renderer: 'silent', exitOnError: true }),
  };
}

/** mongodump's archive on stdout (the runner streams it into the file it is given). */
const dump: FakeRow = {
  match: / exec -T mongodb mongodump --archive --quiet$/,
  effect: (c) => void writeFileSync(c.stdoutFile as string, 'mongodump archive'),
};
const pull: FakeRow = { match: / pull$/ };
/** The stack starts in Rocket.Chat's order (the shared compose-up); the last `up` starts the rest. */
const SERVICES = [
  'nats',
  'nats-exporter',
  'mongodb-fix-permission-container',
  'mongodb-init-container',
  'mongodb',
  'mongodb-exporter',
  'rocketchat',
];
const REST = ['nats', 'rocketchat'];
const stack = stackRows(platform, SERVICES);

describe('upgrade tasks (fake runner)', () => {
  it('checks, backs up, pulls before stopping, switches, and waits for the new version', async () => {
    let version: string | undefined = '7.13.0';
    const up: FakeRow = {
      match: / up -d --remove-orphans --no-deps /,
      effect: () => {
        version = '8.0.1';
      },
    };
    const { runner, list, env, root, ctx, recorded } = setup(
      [dump, pull, up, ...stack],
      server(() => version),
    );
    await list.run();
    expect(
      runner.calls.map((c) =>
        c.replaceAll(root, '').replace(/docker compose .* -f compose.wizard.yml /, 'compose '),
      ),
    ).toEqual([
      expect.stringMatching(
        /^docker ps --filter .* --filter label=com.docker.compose.service=mongodb --format/,
      ),
      'compose exec -T mongodb mongodump --archive --quiet',
      'compose pull',
      ...stackCalls(platform, REST, false, { compose: (c) => `compose ${c}`, project: ctx.project }),
    ]);
    expect(env()).toMatchObject({ RELEASE: '8.0.1', MONGODB_VERSION: '8.2', ADMIN_PASS: 'keep' });
    expect(readFileSync(join(root, 'opt/rocketchat/.env.bak'), 'utf8')).toContain('RELEASE=7.13.0');
    expect(ctx.backupFile).toBe(
      join(root, 'opt/rocketchat/backups/rocketchat-20261122-030000-7.13.0-to-8.0.1.tar'),
    );
    // The archive the shared backup code writes: the dump, the env file, a manifest; its SHA-256 recorded.
    const archive = await new RealArchiver(runner).read(ctx.backupFile as string);
    expect(archive.header).toMatchObject({ kind: 'upgrade', upgrade: { from: '7.13.0', to: '8.0.1' } });
    expect(archive.header.contents.dump).toEqual({
      file: 'mongodb.archive',
      service: 'mongodb',
      image: 'mongodb/mongodb-community-server:8.0-ubi8',
    });
    expect(archive.manifest.members.map((m) => m.path)).toEqual(
      expect.arrayContaining(['dump/mongodb.archive', 'files/opt/rocketchat/.env']),
    );
    expect(recorded).toEqual([archive.digest]);
    expect(readdirSync(join(root, 'opt/rocketchat/backups'))).toEqual([
      'rocketchat-20261122-030000-7.13.0-to-8.0.1.tar',
    ]);
    expect(list.tasks.at(-1)?.title).toMatch(/^Rocket.Chat 8.0.1 answers \(after \d+ s\)$/);
  });

  it('a failed pull changes nothing: the env file stays and nothing is stopped', async () => {
    const { runner, list, env } = setup(
      [dump, { match: / pull$/, exitCode: 1, stderr: 'Error response from daemon: manifest unknown' }],
      server(() => '7.13.0'),
    );
    await expect(list.run()).rejects.toThrow(/Error from `docker compose .* pull`/);
    expect(env().RELEASE).toBe('7.13.0');
    expect(runner.calls.some((c) => c.includes(' up -d'))).toBe(false);
  });

  it('a release that never answers is rolled back, and the old one must answer again', async () => {
    let version: string | undefined = '7.13.0';
    let ups = 0;
    const up: FakeRow = {
      match: / up -d --remove-orphans/,
      effect: () => {
        ups++;
        version = ups === 1 ? undefined : '7.13.0';
      },
    };
    const logs: FakeRow = {
      match: / logs --no-color --tail 30 rocketchat$/,
      stdout: 'rocketchat-1 | Error: migration 312 failed',
    };
    const { list, env, ctx } = setup(
      [dump, pull, up, logs, ...stack],
      server(() => version),
    );
    const err = await list.run().then(
      () => undefined,
      (e: Error & { remedy?: string }) => e,
    );
    expect(err?.message).toBe(
      'Rocket.Chat 8.0.1 did not come up (Rocket.Chat did not answer at http://127.0.0.1:3000/api/info within 1 s (last: connection refused).); 7.13.0 was put back and it answers again.',
    );
    expect(err?.remedy).toContain(`The backup taken before: ${ctx.backupFile}`);
    expect(err?.remedy).toContain('mongorestore --archive --drop');
    expect(env().RELEASE).toBe('7.13.0');
    expect(ups).toBe(2);
  });

  it('refuses to start on an install that does not answer', async () => {
    const { list, runner } = setup(
      [{ match: / logs /, stdout: '' }, ...stack],
      server(() => undefined),
    );
    await expect(list.run()).rejects.toThrow(/did not answer/);
    // Only looks: at the containers while it waited, at the log for the error.
    expect(
      runner.calls.filter((c) => !c.includes(' logs ') && !c.endsWith(' ps --all --format json')),
    ).toEqual([]);
  });
});
