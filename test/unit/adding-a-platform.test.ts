import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Listr } from 'listr2';
import { describe, expect, it } from 'vitest';
import { buildPlan, reviewProps } from '../../src/commands/plan.js';
import { withDefaults } from '../../src/core/answers.js';
import { composeCommand } from '../../src/core/compose.js';
import type { HttpClient, InstallContext } from '../../src/core/context.js';
import { parseEnv, setEnv } from '../../src/core/envfile.js';
import { type CommandSpec, formatCommand, isHttp } from '../../src/core/plan.js';
import { definePlatform, type TlsMode } from '../../src/core/platform.js';
import { postgresBackup } from '../../src/core/postgres.js';
import { commandLine, type Step, type StepInput } from '../../src/core/step.js';
import { renderTemplate } from '../../src/core/template.js';
import { stepTask } from '../../src/engine/step-task.js';
import { composeUp, pullImages, waitReady, writeFiles } from '../../src/engine/tasks.js';
import { templateLoader } from '../../src/system/assets.js';
import { RealFileStore } from '../../src/system/files.js';
import { platforms } from '../../steps/index.js';
import { PROXY_DATA_DIR, proxySteps } from '../../steps/proxy/index.js';
import { createMockContext, createMockJournal, createMockRunner } from '../helpers/factories.js';
import { tmpRoot } from '../helpers/tmp.js';

/**
 * docs/adding-a-platform.md, followed for a throwaway platform ("echoboard", defined here and never registered
 * in steps/index.ts): its plan comes from the real buildPlan, the review lists its files and commands, and its
 * steps run on the fake runner exactly the commands they declared. The guide's paths and names are checked to
 * exist, so the guide can't rot.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const GUIDE = join(ROOT, 'docs/adding-a-platform.md');

// 1. Assets: what assets/echoboard/ would hold (releases.json, a template).
const RELEASES = {
  releaseNotes: 'https://echoboard.example/releases',
  releases: [{ version: '2.1.0', tested: true }],
};
const TEMPLATE =
  'services:\n  app:\n    image: example/echoboard:{{version}}\n    ports: ["127.0.0.1:{{port}}:8080"]\n';
const templates = (name: string) => (name === 'echoboard/compose.yml' ? TEMPLATE : templateLoader()(name));

/** A step of its own: it decides at run time, and may run only what it declared. */
function seedStep(s: StepInput): Step {
  const check: CommandSpec = {
    ...composeCommand(s, ['exec', '-T', 'app', 'echoboard', 'seeded']),
    description: 'ask whether the board is seeded',
  };
  const seed: CommandSpec = {
    ...composeCommand(s, ['exec', '-T', 'app', 'echoboard', 'seed']),
    description: 'seed the first board',
    when: 'only when the board is not seeded yet',
  };
  return {
    id: 'seed',
    title: 'Seed the first board',
    commands: [check, seed],
    async run(_ctx, io) {
      const r = await io.run(check, { reject: false });
      if (r.exitCode === 0) return 'Board already seeded';
      await io.run(seed);
      return 'Seeded the first board';
    },
  };
}

// 2. The platform.
const echoboard = definePlatform({
  id: 'echoboard',
  title: 'Echoboard',
  description: 'A throwaway platform that follows docs/adding-a-platform.md',
  defaultDataDir: '/opt/echoboard',
  defaultPort: 8090,
  releases: RELEASES.releases,
  database: 'none',
  secretKeys: ['ECHO_SECRET'],
  requirements: { memoryMiB: 256, diskGiB: 1, ports: (a) => [a.port] },
  questions: [
    {
      key: 'greeting',
      flag: '--greeting',
      env: 'WIZARD_GREETING',
      message: 'Greeting:',
      description: 'the first board greeting (default hello)',
      default: 'hello',
      validate: (v) =>
        /^\w+$/.test(v)
          ? { ok: true, value: v }
          : { ok: false, error: 'one word', remedy: 'Pass one word, e.g. --greeting hello.' },
    },
  ],
  composeFiles: ['compose.yml'],
  templates: ['echoboard/compose.yml'],
  files(input) {
    const dir = input.answers.dataDir;
    const current = input.existing[`${dir}/.env`] ?? '';
    const old = parseEnv(current).values;
    return [
      {
        kind: 'file',
        path: `${dir}/.env`,
        mode: 0o600,
        secret: true,
        content: setEnv(current, {
          ECHO_SECRET: old.ECHO_SECRET ?? input.generateSecret(),
          ECHO_GREETING: input.answers.extra.greeting ?? 'hello',
        }),
        description: 'greeting and secret (holds ECHO_SECRET)',
      },
      {
        kind: 'file',
        path: `${dir}/compose.yml`,
        mode: 0o644,
        content: renderTemplate(input.templates('echoboard/compose.yml'), {
          version: input.answers.version,
          port: input.answers.port,
        }),
        description: 'the app on 127.0.0.1',
      },
    ];
  },
  install: (s) => [
    writeFiles(s, 'Write .env and compose.yml', s.answers.dataDir),
    ...proxySteps(s),
    ...pullImages(s),
    composeUp(s),
    waitReady(s),
    seedStep(s),
  ],
  readiness: {
    path: '/status',
    service: 'app',
    timeoutSeconds: 5,
    judge: (status, body) =>
      status === 200
        ? { ready: true, version: body.trim(), detail: 'up' }
        : { ready: false, detail: `HTTP ${status}` },
  },
  summary: (answers) => ({ url: `https://${answers.domain}`, notes: ['Open the board.'] }),
  upgrade: {
    rule: { kind: 'release-by-release' },
    releaseNotes: RELEASES.releaseNotes,
    envFor: (r) => ({ ECHO_VERSION: r.version }),
    versionKey: 'ECHO_VERSION',
    backup: {
      dump: postgresBackup('db', ['app']),
      envFiles: (a) => [`${a.dataDir}/.env`],
      downtime: { stop: [], why: 'none: the dump reads one snapshot' },
    },
  },
  doctor: {
    logPatterns: [
      {
        id: 'echoboard.disk',
        title: 'Disk full',
        match: /no space left/,
        severity: 'fail',
        remedy: 'Free disk.',
      },
    ],
  },
});

/**
 * Time for the waits, spread into the contexts below (the task engine's clock; a spread, so the context type
 * may or may not ask for it yet).
 */
const CLOCK = {
  clock: {
    now: () => Date.now(),
    sleep: (ms: number) => new Promise<void>((done) => setTimeout(done, Math.min(ms, 5))),
  },
};

async function install(tls: TlsMode, offline: boolean, dryRun = false) {
  const root = tmpRoot();
  const files = new RealFileStore((p) => join(root, p));
  const answers = withDefaults(
    {
      platform: 'echoboard',
      domain: 'board.example.com',
      email: 'admin@example.com',
      tls,
      offline,
      extra: {},
    },
    echoboard,
  );
  const built = await buildPlan(echoboard, answers, {
    files,
    templates,
    hostPath: (p) => files.real(p),
    project: 'echoboard',
    proxyProject: 'wizard-proxy',
  });
  const runner = createMockRunner({
    rows: [
      { match: / exec -T app echoboard seeded$/, exitCode: 1 },
      { match: / exec -T app echoboard seed$/ },
      { match: /^docker compose .* (up -d|pull|kill -s SIGHUP nginx)( |$)/ },
    ],
  });
  const urls: string[] = [];
  const http: HttpClient = {
    async request(url) {
      urls.push(url);
      return { status: 200, body: `${answers.version}\n` };
    },
  };
  const journal = createMockJournal();
  const { journaled } = journal;
  const ctx: InstallContext = createMockContext({
    ...CLOCK,
    answers,
    platform: echoboard,
    plan: built.plan,
    project: 'echoboard',
    proxyProject: 'wizard-proxy',
    dryRun,
    runner,
    files,
    http,
    journal,
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
  const review = reviewProps(echoboard, answers, built, { files }, [], dryRun);
  return { root, answers, built, runner, urls, journaled, list, review };
}

describe('a platform written by following docs/adding-a-platform.md', () => {
  it('is not registered: the test follows the guide without touching steps/index.ts', () => {
    expect(platforms.map((p) => p.id)).not.toContain('echoboard');
  });

  for (const [tls, offline] of [
    ['selfsigned', false],
    ['none', true],
  ] as [TlsMode, boolean][]) {
    it(`--tls ${tls}${offline ? ' --offline' : ''}: the review lists its files and commands, the run runs exactly those`, async () => {
      const r = await install(tls, offline);
      const paths = r.review.files.map((f) => f.path);
      expect(paths).toContain(join(r.root, '/opt/echoboard/.env'));
      expect(paths).toContain(join(r.root, '/opt/echoboard/compose.yml'));
      expect(r.review.files.find((f) => f.path.endsWith('/.env'))).toMatchObject({
        mode: '0600',
        secret: true,
      });
      // The shared proxy's files come with it unless --tls none.
      const site = join(r.root, PROXY_DATA_DIR, 'user_conf.d/board.example.com.conf');
      if (tls === 'none') expect(paths.filter((p) => p.includes(PROXY_DATA_DIR))).toEqual([]);
      else expect(paths).toContain(site);
      expect(r.review.commands.map((c) => c.command)).toEqual(r.built.plan.commands.map(formatCommand));
      expect(r.review.commands.find((c) => c.command.endsWith('echoboard seed'))?.when).toBe(
        'only when the board is not seeded yet',
      );
      // Every step ran and was journaled; the runner got the declared commands, in order, and nothing else.
      expect(r.journaled).toEqual(r.built.steps.map((s) => s.id));
      const declared = r.built.plan.commands.filter((c) => !isHttp(c)).map(formatCommand);
      expect(r.runner.calls).toEqual(declared);
      expect(declared.some((c) => / pull$/.test(c))).toBe(!offline);
      expect(declared.some((c) => / kill -s SIGHUP nginx$/.test(c))).toBe(tls !== 'none');
      expect([...new Set(r.urls)]).toEqual(r.built.plan.commands.filter(isHttp).map((c) => c.args[0]));
      // What it wrote is what the plan said, the secret 0600.
      const env = readFileSync(join(r.root, '/opt/echoboard/.env'), 'utf8');
      expect(parseEnv(env).values).toMatchObject({ ECHO_GREETING: 'hello', ECHO_SECRET: expect.any(String) });
      expect(readFileSync(join(r.root, '/opt/echoboard/compose.yml'), 'utf8')).toContain('echoboard:2.1.0');
    });
  }

  it('--dry-run names the same commands and runs nothing', async () => {
    const r = await install('selfsigned', false, true);
    expect(r.runner.calls).toEqual([]);
    const lines = r.list.tasks.flatMap((t) => (t.message.skip ?? '').split('\n'));
    expect(lines.filter((l) => l.startsWith('[dry run] would run: '))).toEqual(
      r.built.plan.commands.map((c) => `[dry run] would run: ${commandLine(c)}`),
    );
  });

  it('a step that runs a command it did not declare is refused', async () => {
    const rogue = definePlatform({
      ...echoboard,
      install: () => [
        {
          id: 'rogue',
          title: 'Rogue',
          commands: [],
          run: async (_ctx, io) => {
            await io.run({ file: 'rm', args: ['-rf', '/'], description: 'not declared' });
            return undefined;
          },
        },
      ],
    });
    const root = tmpRoot();
    const files = new RealFileStore((p) => join(root, p));
    const answers = withDefaults(
      { platform: 'echoboard', domain: 'b.example.com', email: 'a@example.com', tls: 'none', extra: {} },
      rogue,
    );
    const built = await buildPlan(rogue, answers, {
      files,
      templates,
      hostPath: (p) => p,
      project: 'echoboard',
      proxyProject: 'wizard-proxy',
    });
    const runner = createMockRunner({ rows: [] });
    const ctx: InstallContext = createMockContext({
      ...CLOCK,
      answers,
      platform: rogue,
      plan: built.plan,
      project: 'echoboard',
      proxyProject: 'wizard-proxy',
      composeFiles: [],
      runner,
      files,
      http: { request: async () => ({ status: 500, body: '' }) },
      pollIntervalMs: 1,
    });
    const list = new Listr<InstallContext, 'silent'>(built.steps.map(stepTask), {
      ctx,
      renderer: 'silent',
      exitOnError: true,
    });
    await expect(list.run()).rejects.toThrow(/runs a command it did not declare: rm -rf \//);
    expect(runner.calls).toEqual([]);
  });
});

// The guide can't rot: every path and name it puts in backticks exists.

const PATH_PREFIXES = ['src/', 'steps/', 'assets/', 'test/', 'docs/'];
/** Where a name the guide uses may be a field or method (the contract's interfaces, a release's keys). */
const CONTRACTS = [
  'src/core/platform.ts',
  'src/core/step.ts',
  'src/core/plan.ts',
  'src/core/checks.ts',
  'src/core/doctor.ts',
  'src/core/upgrade.ts',
  'src/core/context.ts',
  'assets/mattermost/releases.json',
];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...sources(p));
    else if (/\.tsx?$/.test(e.name)) out.push(p);
  }
  return out;
}

const exported = new Set<string>();
for (const f of [
  ...sources('src'),
  ...sources('steps'),
  ...sources('test/helpers'),
  ...sources('test/e2e/helpers'),
]) {
  const text = readFileSync(join(ROOT, f), 'utf8');
  for (const m of text.matchAll(
    /export\s+(?:default\s+)?(?:async\s+)?(?:function|const|let|interface|type|class)\s+(\w+)/g,
  ))
    exported.add(m[1] as string);
  for (const m of text.matchAll(/export\s+\{([^}]*)\}/g))
    for (const name of (m[1] as string).split(','))
      exported.add(
        name
          .trim()
          .split(/\s+as\s+/)
          .pop() ?? '',
      );
}
const contractText = CONTRACTS.map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');

/** What in a guide's text names something that does not exist (a path with <id> is checked for Mattermost). */
function rotten(text: string): { missing: string[]; paths: number; names: number } {
  const missing: string[] = [];
  let paths = 0;
  let names = 0;
  for (const [, token] of text.matchAll(/`([^`\n]+)`/g)) {
    const t = token as string;
    if (PATH_PREFIXES.some((p) => t.startsWith(p)) && !t.includes(' ')) {
      paths += 1;
      if (!existsSync(join(ROOT, t.replaceAll('<id>', 'mattermost')))) missing.push(t);
      continue;
    }
    if (/\.(ts|tsx|json|yml|md)$/.test(t)) continue;
    const name = /^(\w+)(?:\(.*\))?$/.exec(t)?.[1] ?? /^\w+\.(\w+)$/.exec(t)?.[1];
    if (!name || /^[A-Z0-9_]+$/.test(name)) continue;
    names += 1;
    const field = new RegExp(`(^|[\\s{,"])${name}"?\\??\\s*[:(]`, 'm');
    if (!exported.has(name) && !field.test(contractText)) missing.push(t);
  }
  return { missing, paths, names };
}

describe('docs/adding-a-platform.md names only what exists', () => {
  it('every backticked path under src/, steps/, assets/, test/ and every backticked name exists', () => {
    const r = rotten(readFileSync(GUIDE, 'utf8'));
    expect(r.missing).toEqual([]);
    expect(r.paths).toBeGreaterThan(20);
    expect(r.names).toBeGreaterThan(60);
  });

  it('the check catches a path or a name that is not there', () => {
    const r = rotten(
      'Use `src/core/nope.ts`, `steps/<id>/gone.ts` and `buildPlanX` with `notAField(x)`; `buildPlan` is real.',
    );
    expect(r.missing).toEqual(['src/core/nope.ts', 'steps/<id>/gone.ts', 'buildPlanX', 'notAField(x)']);
  });
});
