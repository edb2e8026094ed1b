import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Listr } from 'listr2';
import { describe, expect, it } from 'vitest';
import { buildPlan, reviewProps } from '../../src/commands/plan.js';
import { withDefaults } from '../../src/core/answers.js';
import type { FileStore, HttpClient, InstallContext } from '../../src/core/context.js';
import { type CommandSpec, formatCommand, isHttp } from '../../src/core/plan.js';
import type { InstallAnswers, Platform, TlsMode } from '../../src/core/platform.js';
import { commandLine, type Step } from '../../src/core/step.js';
import { INSPECT_FORMAT } from '../../src/engine/stage-probe.js';
import { stepTask } from '../../src/engine/step-task.js';
import { templateLoader } from '../../src/system/assets.js';
import { RealFileStore } from '../../src/system/files.js';
import { findPlatform } from '../../steps/index.js';
import { createMockContext, createMockRunner } from '../helpers/factories.js';
import type { FakeRow, FakeRunner } from '../helpers/fake-runner.js';
import { MemoryLogger } from '../helpers/memory-logger.js';
import { stackRows } from '../helpers/stack-rows.js';
import { tmpRoot } from '../helpers/tmp.js';

/**
 * The review, `--dry-run` and the run are three readings of one plan: for every platform and several answer
 * sets, the commands the review lists are the commands the runner receives, in order (a poll's repeats and the
 * health wait's own inspect/log calls aside, and a command with a condition only when its condition held), the
 * HTTP requests are the ones listed, and the dry run names exactly those commands.
 */

const DOMAIN: Record<string, string> = {
  rocketchat: 'chat.example.com',
  mattermost: 'chat.example.com',
  mastodon: 'social.example.com',
  chatmail: 'chat.example.org',
};

/** Each platform's Compose services (what `docker compose config --services` lists). */
const SERVICES: Record<string, string[]> = {
  rocketchat: [
    'nats',
    'nats-exporter',
    'mongodb-fix-permission-container',
    'mongodb-init-container',
    'mongodb',
    'mongodb-exporter',
    'rocketchat',
  ],
  mattermost: ['postgres', 'mattermost'],
  mastodon: ['db', 'redis', 'web', 'streaming', 'sidekiq'],
  chatmail: ['chatmail'],
};

/**
 * Read-only looks a run makes through the runner itself, never declared: the staged start's probes (a stage's
 * containers, its readiness command, `config --services`) and the shared wait's look at the containers.
 */
function observation(platform: Platform): (call: string) => boolean {
  const probes = (platform.startOrder ?? []).flatMap((st) =>
    st.until.kind === 'exec'
      ? [` exec -T ${formatCommand({ file: st.until.service, args: st.until.command })}`]
      : [],
  );
  return (c) =>
    /^docker compose .* (ps --all --format json( \S+)*|config --services)$/.test(c) ||
    /^docker inspect [0-9a-f]+( [0-9a-f]+)*$/.test(c) ||
    // A stage's look at its containers by their Compose names.
    c.startsWith(`docker inspect --format '${INSPECT_FORMAT}' `) ||
    probes.some((p) => c.endsWith(p));
}

function runnerFor(root: string, platform: Platform, rerun: boolean): FakeRunner {
  const clone: FakeRow = {
    match: /^git clone /,
    effect: () => void mkdirSync(join(root, platform.defaultDataDir, '.git/info'), { recursive: true }),
  };
  return createMockRunner({
    rows: [
      // The staged start: each stage up at once, its probe answering.
      ...stackRows(platform, SERVICES[platform.id] ?? []).filter(
        (r) => !/ ps --all --format json\$/.test(r.match.source),
      ),
      clone,
      { match: /^git -C \S+ --no-optional-locks status --porcelain$/, stdout: '' },
      { match: /^git -C \S+ (fetch --quiet origin main|merge --ff-only origin\/main)$/ },
      { match: /^find \S+ -mindepth 1 -maxdepth 1 -print -quit$/, stdout: '' },
      { match: /^groupadd /, effect: () => appendFileSync(join(root, 'etc/group'), 'mastodon:x:991:\n') },
      {
        match: /^useradd /,
        effect: () =>
          appendFileSync(
            join(root, 'etc/passwd'),
            'mastodon:!:991:991:Mastodon:/opt/mastodon:/usr/sbin/nologin\n',
          ),
      },
      { match: /^sysctl -p / },
      // The shared proxy and every install's compose project.
      { match: /^docker compose .* (up -d|pull|kill -s SIGHUP nginx|restart)( |$)/ },
      // Mastodon
      { match: / exec -T db pg_isready /, stdout: 'accepting connections' },
      { match: / exec -T db psql /, stdout: rerun ? '57\n' : '0\n' },
      { match: / run --rm -T .*web bundle exec rails db:(setup|migrate)$/ },
      { match: / bin\/tootctl accounts create /, stdout: 'OK\nNew password: s3cretOwnerPass\n' },
      { match: / bin\/tootctl accounts approve / },
      // Mattermost
      { match: / mmctl --local user search admin$/, exitCode: 1, stderr: 'Error: user admin not found' },
      { match: / mmctl --local (roles system-admin|user verify) admin$/ },
      // The chatmail relay and its health wait
      { match: / ps --all --quiet chatmail$/, stdout: 'c0ffee\n' },
      {
        match: /^docker inspect --format /,
        stdout: JSON.stringify({
          Status: 'running',
          StartedAt: '2026-11-22T02:26:00Z',
          Health: { Status: 'healthy' },
        }),
      },
      { match: / logs --follow / },
      {
        match: / ps --all --format json chatmail$/,
        stdout: '{"Service":"chatmail","Name":"chatmail","State":"running","Health":"healthy"}',
      },
      {
        match: / exec -T chatmail cmdeploy dns /,
        stderr: 'Great! All your DNS entries are verified and correct.',
      },
    ],
  });
}

/** Every platform's endpoints, answering as the real servers do once they are up. */
function httpFor(answers: InstallAnswers): HttpClient & { urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    // A database's port in the start order takes connections at once.
    async connect() {},
    async request(url) {
      urls.push(url);
      const path = new URL(url).pathname;
      const v = answers.version;
      if (path === '/api/info') return { status: 200, body: JSON.stringify({ success: true, version: v }) };
      if (path === '/api/v1/login') return { status: 200, body: '{"status":"success","data":{}}' };
      if (path === '/api/v4/system/ping')
        return { status: 200, body: '{"status":"OK"}', headers: { 'x-version-id': `${v}.1.abc.false` } };
      if (path === '/api/v4/users/login') return { status: 200, body: '{}' };
      // A server whose first account is not made system admin by itself: the role and the verify run too.
      if (path === '/api/v4/users')
        return { status: 201, body: '{"id":"u1","roles":"system_user","email_verified":false}' };
      if (path === '/health' || path === '/api/v1/streaming/health') return { status: 200, body: 'OK' };
      if (path === '/api/v1/instance') return { status: 200, body: JSON.stringify({ version: v }) };
      throw new Error(`unexpected ${url}`);
    },
  };
}

interface Scenario {
  platform: string;
  tls: TlsMode;
  offline: boolean;
  rerun?: boolean;
  /** Real paths are the logical ones (no WIZARD_ROOT), as on a server. */
  host?: boolean;
}

async function install(s: Scenario, root: string, completed: string[], dryRun = false) {
  const platform = findPlatform(s.platform) as Platform;
  const store = new RealFileStore((p) => join(root, p));
  const files: FileStore = s.host
    ? {
        real: (p) => p,
        readText: (p) => store.readText(p),
        exists: (p) => store.exists(p),
        write: (f) => store.write(f),
      }
    : store;
  const answers = withDefaults(
    {
      platform: s.platform,
      domain: DOMAIN[s.platform] ?? 'chat.example.com',
      email: 'admin@example.com',
      tls: s.tls,
      offline: s.offline,
      extra: {},
    },
    platform,
  );
  const templates = templateLoader();
  const built = await buildPlan(platform, answers, {
    files,
    templates,
    hostPath: (p) => files.real(p),
    project: s.platform,
    proxyProject: 'wizard-proxy',
    completed: new Set(completed),
  });
  const runner = runnerFor(root, platform, completed.length > 0);
  const http = httpFor(answers);
  // The runner's calls, by the step that made them: a step's calls end when the journal records it.
  const byStep = new Map<string, string[]>();
  const journaled: string[] = [];
  const ctx: InstallContext = createMockContext({
    answers,
    platform,
    plan: built.plan,
    project: s.platform,
    proxyProject: 'wizard-proxy',
    dryRun,
    runner,
    files,
    http,
    journal: {
      completed: new Set(completed),
      done(id) {
        const before = [...byStep.values()].flat().length;
        byStep.set(id, runner.calls.slice(before));
        journaled.push(id);
      },
    },
    templates,
    readyTimeoutSeconds: 5,
    pollIntervalMs: 1,
  });
  const list = new Listr<InstallContext, 'silent'>(built.steps.map(stepTask), {
    ctx,
    renderer: 'silent',
    exitOnError: true,
  });
  await list.run();
  const review = reviewProps(platform, answers, built, { files }, [], dryRun);
  return { platform, built, runner, http, byStep, journaled, list, review };
}

/** Consecutive repeats of a poll are one. */
function collapse(calls: string[], steps: Step): string[] {
  const polls = new Set((steps.commands ?? []).filter((c) => c.poll).map(formatCommand));
  return calls.filter((c, i) => !(polls.has(c) && calls[i - 1] === c));
}

function expectRunMatchesPlan(r: Awaited<ReturnType<typeof install>>, expectTaken: RegExp[]) {
  // The review shows the plan's commands, in the plan's order.
  expect(r.review.commands.map((c) => c.command)).toEqual(r.built.plan.commands.map(formatCommand));
  const ran: string[] = [];
  for (const step of r.built.steps) {
    const declared = (step.commands ?? []).filter((c) => !isHttp(c));
    // A read-only look is tolerated unless the step declares that very command (chatmail's relay check).
    const looks = observation(r.platform);
    const own = new Set(declared.map(formatCommand));
    let calls = collapse(r.byStep.get(step.id) ?? [], step).filter((c) => own.has(c) || !looks(c));
    if (step.id === 'ready' && r.platform.readiness.health) {
      // The health wait's own polls (docker inspect, the log it follows) are the readiness helper's.
      calls = calls.filter((c) => !/^docker inspect |logs --follow /.test(c));
    }
    // Each call is the next declared command of the step; only a command with a condition may be left out.
    let at = 0;
    for (const call of calls) {
      // A call is the declared command, or the declared command plus the extra args it declares.
      const is = (d: (typeof declared)[number] | undefined) =>
        d !== undefined &&
        (formatCommand(d) === call || (d.extraArgs !== undefined && call.startsWith(`${formatCommand(d)} `)));
      while (at < declared.length && !is(declared[at])) {
        expect(
          declared[at]?.when,
          `${step.id}: skipped a command without a condition before ${call}`,
        ).toBeDefined();
        at++;
      }
      expect(at, `${step.id} ran a command it did not declare: ${call}`).toBeLessThan(declared.length);
      at++;
    }
    for (const rest of declared.slice(at))
      expect(rest.when, `${step.id} did not run ${formatCommand(rest)}`).toBeDefined();
    ran.push(...calls);
  }
  // The runner received nothing but the steps' calls.
  expect(r.journaled).toEqual(r.built.steps.map((s) => s.id));
  for (const taken of expectTaken)
    expect(
      ran.some((c) => taken.test(c)),
      String(taken),
    ).toBe(true);
  // The HTTP requests are the listed ones.
  const listed = r.built.plan.commands.filter(isHttp).map((c) => c.args[0]);
  expect([...new Set(r.http.urls)].sort()).toEqual([...new Set(listed)].sort());
  return ran;
}

const scenarios: Scenario[] = [
  ...['rocketchat', 'mattermost', 'mastodon'].flatMap((platform) =>
    (['none', 'selfsigned', 'letsencrypt'] as TlsMode[]).flatMap((tls) => [
      { platform, tls, offline: false },
      { platform, tls, offline: true },
    ]),
  ),
  { platform: 'chatmail', tls: 'letsencrypt', offline: false },
  { platform: 'chatmail', tls: 'letsencrypt', offline: true, host: true },
];

/** Commands with a condition that a first install on an empty host runs. */
const FIRST_RUN: Record<string, RegExp[]> = {
  rocketchat: [/^git clone /],
  mattermost: [/^git clone /, / mmctl --local roles system-admin admin$/],
  mastodon: [/^useradd /, / rails db:setup$/, /bin\/tootctl accounts create /],
  chatmail: [/^git clone /],
};

describe('the review lists what the run runs', () => {
  for (const s of scenarios) {
    const name = `${s.platform}, --tls ${s.tls}${s.offline ? ', --offline' : ''}${s.host ? ', on the host' : ''}`;
    it(`${name}: first install`, async () => {
      const r = await install(s, tmpRoot(), []);
      const ran = expectRunMatchesPlan(r, FIRST_RUN[s.platform] ?? []);
      expect(ran.some((c) => /^docker compose .* pull$/.test(c))).toBe(!s.offline);
      expect(ran.some((c) => / kill -s SIGHUP nginx$/.test(c))).toBe(
        s.tls !== 'none' && s.platform !== 'chatmail',
      );
      if (s.host) expect(ran).toContain('sysctl -p /etc/sysctl.d/99-inotify.conf');
    });
  }

  for (const platform of ['rocketchat', 'mattermost', 'mastodon', 'chatmail']) {
    it(`${platform}: a re-run of a finished install`, async () => {
      const s: Scenario = {
        platform,
        tls: platform === 'chatmail' ? 'letsencrypt' : 'selfsigned',
        offline: true,
      };
      const root = tmpRoot();
      const first = await install(s, root, []);
      const again = await install({ ...s, rerun: true }, root, first.journaled);
      const ran = expectRunMatchesPlan(
        again,
        platform === 'chatmail' ? [/ ps --all --format json chatmail$/] : [],
      );
      // Nothing is created twice: no clone, user, database setup, owner or admin.
      expect(ran.filter((c) => /^git clone |^useradd |db:setup$|accounts create | sh -c /.test(c))).toEqual(
        [],
      );
      if (platform !== 'mastodon') expect(ran).toContainEqual(expect.stringMatching(/merge --ff-only/));
    });
  }
});

describe('--dry-run names the plan and runs nothing', () => {
  for (const s of scenarios.filter((x) => x.tls !== 'selfsigned')) {
    it(`${s.platform}, --tls ${s.tls}${s.offline ? ', --offline' : ''}`, async () => {
      const r = await install(s, tmpRoot(), [], true);
      expect(r.runner.calls).toEqual([]);
      expect(r.http.urls).toEqual([]);
      const lines = r.list.tasks.flatMap((t) => (t.message.skip ?? '').split('\n'));
      expect(lines.filter((l) => l.startsWith('[dry run] would run: '))).toEqual(
        r.built.plan.commands.map((c) => `[dry run] would run: ${commandLine(c)}`),
      );
      expect(lines.filter((l) => l.startsWith('[dry run] would write: '))).toHaveLength(
        r.built.plan.files.length,
      );
      // With --offline nothing claims a pull (Compose's `--pull never` says the opposite).
      if (s.offline) expect(lines.join('\n')).not.toMatch(/pull(?! never)/i);
    });
  }
});

describe('a step adds arguments at run time only where it declares them', () => {
  const run = async (extraOn: 'declared' | 'plain') => {
    const runner = createMockRunner({ rows: [{ match: /^docker compose / }] });
    const declared: CommandSpec = {
      file: 'docker',
      args: ['compose', 'up', '-d'],
      description: 'start the rest',
      extraArgs: 'the services no stage starts',
    };
    const plain: CommandSpec = {
      file: 'docker',
      args: ['compose', 'up', '-d', 'db'],
      description: 'start db',
    };
    const step: Step = {
      id: 'up',
      title: 'Start',
      commands: [declared, plain],
      async run(_ctx, io) {
        await io.run(extraOn === 'declared' ? declared : plain, { extraArgs: ['--no-deps', 'web'] });
        return undefined;
      },
    };
    const ctx = {
      dryRun: false,
      runner,
      log: new MemoryLogger(),
      journal: { completed: new Set<string>(), done: () => undefined },
    } as unknown as InstallContext;
    await new Listr<InstallContext, 'silent'>([stepTask(step)], { ctx, renderer: 'silent' }).run();
    return runner.calls;
  };

  it('the declared command gets them appended, and the review names them in words', async () => {
    expect(await run('declared')).toEqual(['docker compose up -d --no-deps web']);
    expect(
      commandLine({
        file: 'docker',
        args: ['compose', 'up', '-d'],
        description: 'start the rest',
        extraArgs: 'the services no stage starts',
      }),
    ).toBe('docker compose up -d  # its arguments end with the services no stage starts');
  });

  it('a command that declares none is refused', async () => {
    await expect(run('plain')).rejects.toThrow(/adds arguments .* does not declare/);
  });
});
