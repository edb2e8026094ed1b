import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Listr } from 'listr2';
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/commands/plan.js';
import { withDefaults } from '../../src/core/answers.js';
import type { HttpClient, InstallContext } from '../../src/core/context.js';
import { parseEnv } from '../../src/core/envfile.js';
import type { Platform, TlsMode } from '../../src/core/platform.js';
import { stepTask } from '../../src/engine/step-task.js';
import { templateLoader } from '../../src/system/assets.js';
import { RealFileStore } from '../../src/system/files.js';
import { findPlatform } from '../../steps/index.js';
import { createMockContext, createMockJournal, createMockRunner } from '../helpers/factories.js';
import type { FakeRow } from '../helpers/fake-runner.js';
import { stackCalls, stackRows } from '../helpers/stack-rows.js';
import { tmpRoot } from '../helpers/tmp.js';

const platform = findPlatform('rocketchat') as Platform;

/** Rocket.Chat's API as the stand-in and the real server answer it, after `readyAfter` polls. */
function fakeRocketChat(
  opts: { readyAfter?: number; version?: string; login?: boolean } = {},
): HttpClient & { polls: number } {
  const client = {
    polls: 0,
    // MongoDB's port (the start order's wait for it) takes connections at once.
    async connect() {},
    async request(url: string) {
      if (url.endsWith('/api/info')) {
        client.polls++;
        if (client.polls <= (opts.readyAfter ?? 0)) throw new Error('connection refused');
        return { status: 200, body: JSON.stringify({ version: opts.version ?? '8.0.1', success: true }) };
      }
      if (url.endsWith('/api/v1/login')) {
        return opts.login === false
          ? { status: 401, body: '{"status":"error","message":"Unauthorized"}' }
          : { status: 200, body: '{"status":"success","data":{}}' };
      }
      throw new Error(`unexpected ${url}`);
    },
  };
  return client;
}

async function setup(
  rows: FakeRow[],
  http: HttpClient,
  tls: TlsMode = 'none',
  completed: string[] = [],
  opts: { cloned?: boolean } = {},
) {
  const root = tmpRoot();
  // A re-run: the plan finds the clone of the first run.
  if (opts.cloned) mkdirSync(join(root, 'opt/rocketchat/.git/info'), { recursive: true });
  const files = new RealFileStore((p) => join(root, p));
  const answers = withDefaults(
    {
      platform: 'rocketchat',
      domain: 'chat.example.com',
      email: 'admin@example.com',
      tls,
      offline: true,
      extra: {},
    },
    platform,
  );
  const { plan, steps } = await buildPlan(platform, answers, {
    files,
    templates: templateLoader(),
    hostPath: (p) => join(root, p),
    project: 'rc-test',
    proxyProject: 'proxy-test',
    completed: new Set(completed),
  });
  const runner = createMockRunner({
    rows: [
      // The clone: git creates the folder and its .git.
      {
        match: /^git clone /,
        effect: () => void mkdirSync(join(root, 'opt/rocketchat/.git/info'), { recursive: true }),
      },
      ...rows,
    ],
  });
  const journal = createMockJournal(completed);
  const { journaled } = journal;
  const ctx: InstallContext = createMockContext({
    answers,
    platform,
    plan,
    project: 'rc-test',
    runner,
    files,
    http,
    journal,
  });
  const list = new Listr<InstallContext, 'silent'>(steps.map(stepTask), {
    ctx,
    renderer: 'silent',
    exitOnError: true,
  });
  return { root, ctx, runner, list, journaled };
}

/** Upstream's services as `docker compose config --services` lists them; the staged ones start first. */
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
const composeOk: FakeRow[] = [
  ...stackRows(platform, SERVICES),
  { match: /^docker compose --project-name rc-test .* up -d --remove-orphans --pull never --no-deps / },
];
const compose =
  'docker compose --project-name rc-test --project-directory /opt/rocketchat -f compose.database.yml -f compose.yml -f compose.wizard.yml';

describe('the Rocket.Chat task tree (fake runner)', () => {
  it('clones, writes files, starts the stack, waits and checks the admin, in that order', async () => {
    const http = fakeRocketChat({ readyAfter: 2 });
    const { root, runner, list, journaled, ctx } = await setup(composeOk, http);
    await list.run();
    expect(runner.calls.map((c) => c.replaceAll(root, ''))).toEqual([
      'git clone --quiet --branch main -- https://github.com/RocketChat/rocketchat-compose.git /opt/rocketchat',
      // The stack in Rocket.Chat's start order: the data folder, MongoDB answering a ping, the replica set, the
      // rest, then the exporters (while the readiness wait runs).
      ...stackCalls(platform, REST, true, { compose: (c) => `${compose} ${c}`, project: 'rc-test' }),
    ]);
    expect(journaled).toEqual(['clone', 'files:Write .env and compose.wizard.yml', 'up', 'ready', 'admin']);
    // No proxy under --tls none, no pull with --offline: neither is a step of this install.
    expect(list.tasks.map((t) => t.title)).toEqual([
      'Cloned the compose repository',
      'Wrote .env and compose.wizard.yml (2 changed, 0 unchanged)',
      'Started the containers',
      expect.stringMatching(/^Rocket.Chat 8.0.1 answers \(after \d+ s\)$/),
      'First admin "admin" logs in',
    ]);
    expect(statSync(join(root, 'opt/rocketchat/.env')).mode & 0o777).toBe(0o600);
    expect(ctx.readyVersion).toBe('8.0.1');
    expect(http.polls).toBe(3);
  });

  it('stops at the failing step, journals only what finished, and keeps what was written', async () => {
    const { list, journaled, root } = await setup(
      [
        {
          match: / up -d /,
          exitCode: 1,
          stderr:
            'Error response from daemon: pull access denied for registry.rocket.chat/rocketchat/rocket.chat',
        },
      ],
      fakeRocketChat(),
    );
    await expect(list.run()).rejects.toThrow(/Error from `docker compose .* up -d/);
    expect(journaled).toEqual(['clone', 'files:Write .env and compose.wizard.yml']);
    expect(
      parseEnv((await new RealFileStore((p) => join(root, p)).readText('/opt/rocketchat/.env')) ?? '').values
        .RELEASE,
    ).toBe('8.0.1');
  });

  it('times out waiting with the last log lines of the app container and a remedy', async () => {
    // MongoDB takes connections; Rocket.Chat never answers.
    const never = {
      async connect() {},
      async request() {
        throw new Error('connection refused');
      },
    };
    const logs: FakeRow = {
      match: / logs --no-color --tail 30 rocketchat$/,
      stdout: 'rocketchat-1  | MongoServerSelectionError: Server selection timed out after 30000 ms',
    };
    const { list } = await setup([...composeOk, logs], never);
    const err = await list.run().then(
      () => undefined,
      (e: Error & { remedy?: string }) => e,
    );
    expect(err?.message).toContain(
      'Rocket.Chat did not answer at http://127.0.0.1:3000/api/info within 1 s (last: connection refused)',
    );
    expect(err?.message).toContain('MongoServerSelectionError');
    expect(err?.remedy).toContain('run the same install again');
  });

  it('does not accept a server answering with another version', async () => {
    const logs: FakeRow = { match: / logs /, stdout: '' };
    const { list } = await setup([...composeOk, logs], fakeRocketChat({ version: '7.13.0' }));
    await expect(list.run()).rejects.toThrow(/last: answers with version 7.13.0, expected 8.0.1/);
  });

  it('on a re-run, an admin whose password was changed is a note, not a failure', async () => {
    const existingClone: FakeRow[] = [
      { match: /status --porcelain/, stdout: '' },
      { match: /fetch --quiet origin main/ },
      { match: /merge --ff-only origin\/main/ },
    ];
    const { list, ctx } = await setup(
      [...existingClone, ...composeOk],
      fakeRocketChat({ login: false }),
      'none',
      ['admin'],
      { cloned: true },
    );
    await list.run();
    expect(list.tasks[0]?.title).toBe('Updated the compose repository');
    expect(ctx.notes[0]).toContain('stored password no longer logs in');
  });

  it("over an earlier install's kept data, the first admin is that install's: a note, not a failure", async () => {
    const { list, ctx } = await setup(composeOk, fakeRocketChat({ login: false }));
    ctx.keptData = true;
    await list.run();
    expect(list.tasks.at(-1)?.title).toBe("First admin is the earlier install's (its data was kept)");
    expect(ctx.notes[0]).toContain('The database kept the accounts of an earlier install named rocketchat');
    // Without kept data the same refusal fails the install.
    const fresh = await setup(
      [...composeOk, { match: / logs /, stdout: '' }],
      fakeRocketChat({ login: false }),
    );
    await expect(fresh.list.run()).rejects.toThrow(/can't log in: HTTP 401/);
  });

  it('with TLS, writes the proxy and starts it before the app', async () => {
    const proxy: FakeRow[] = [
      { match: /--project-name proxy-test .* up -d --pull never$/ },
      { match: /--project-name proxy-test .* kill -s SIGHUP nginx$/ },
    ];
    const { list, runner, root } = await setup([...proxy, ...composeOk], fakeRocketChat(), 'selfsigned');
    await list.run();
    expect(
      runner.calls.map((c) => c.replaceAll(root, '').split(' ').slice(0, 6).join(' ')).slice(0, 4),
    ).toEqual([
      'git clone --quiet --branch main --',
      'docker compose --project-name proxy-test -f /root/nginx/compose.yml',
      'docker compose --project-name proxy-test -f /root/nginx/compose.yml',
      'docker compose --project-name rc-test --project-directory /opt/rocketchat',
    ]);
    expect(statSync(join(root, 'data/nginx/user_conf.d/chat.example.com.conf')).isFile()).toBe(true);
  });
});
