import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../src/commands/deps.js';
import { statusCommand } from '../../src/commands/status.js';
import { upgradeCommand } from '../../src/commands/upgrade.js';
import { withDefaults } from '../../src/core/answers.js';
import type { HttpClient } from '../../src/core/context.js';
import { type InstallFacts, installChecks } from '../../src/core/doctor.js';
import { parseEnv } from '../../src/core/envfile.js';
import { ExitCode, UserError } from '../../src/core/errors.js';
import type { Platform } from '../../src/core/platform.js';
import type { UpgradeJournal } from '../../src/core/upgrade-journal.js';
import { settleSwitch } from '../../src/engine/upgrade-settle.js';
import type { UpgradeContext } from '../../src/engine/upgrade-tasks.js';
import { RealFileStore } from '../../src/system/files.js';
import { acquireLock } from '../../src/system/lock.js';
import { type InstallRecord, StateStore } from '../../src/system/state.js';
import { systemClock } from '../../src/system/timer.js';
import { findPlatform } from '../../steps/index.js';
import { type FakeRow, FakeRunner } from '../helpers/fake-runner.js';
import { MemoryLogger } from '../helpers/memory-logger.js';
import { stackRows } from '../helpers/stack-rows.js';
import { tmpRoot } from '../helpers/tmp.js';

const mattermost = findPlatform('mattermost') as Platform;
const OLD = '10.11.23';
const NEW = '11.7.15';
const ENV = `MATTERMOST_IMAGE_TAG=${OLD}\nPOSTGRES_PASSWORD=keep-me\n`;
/** The disk preflight's commands: they read, never change. */
const readOnly = / config --images$|^docker image inspect |^docker info --format /;

/** Mattermost's ping with the version in X-Version-Id, as the server sends it; undefined: connection refused. */
function server(serving: () => string | undefined): HttpClient {
  return {
    async request() {
      const v = serving();
      if (!v) throw new Error('connection refused');
      return { status: 200, body: '{"status":"OK"}', headers: { 'x-version-id': `${v}.${v}.abc.false` } };
    },
  };
}

const text = (s: PassThrough) => {
  let out = '';
  s.on('data', (c: Buffer) => {
    out += c.toString();
  });
  return () => out;
};

/**
 * A Mattermost install at 10.11.23 in a temp root, with a real state file, the real file store and the fake runner.
 * `rows` come before the commands every upgrade runs (backup, offline image checks, the kept env file removed).
 */
async function harness(o: {
  rows?: FakeRow[];
  serving: () => string | undefined;
  journal?: UpgradeJournal;
  platform?: Platform;
  record?: Partial<InstallRecord>;
}) {
  const root = tmpRoot();
  const real = (p: string) => join(root, p);
  mkdirSync(real('/opt/mattermost'), { recursive: true });
  writeFileSync(real('/opt/mattermost/.env'), ENV, { mode: 0o600 });
  const platform = o.platform ?? mattermost;
  const store = new StateStore(real('/var/lib/wizard'));
  const now = new Date().toISOString();
  await store.put({
    name: 'mattermost',
    platform: platform.id,
    domain: 'localhost',
    email: 'admin@example.com',
    dataDir: '/opt/mattermost',
    release: OLD,
    tls: 'none',
    port: 8065,
    repoUrl: '',
    project: 'mm',
    composeFiles: platform.composeFiles,
    status: 'installed',
    journal: {},
    createdAt: now,
    updatedAt: now,
    ...(o.journal ? { upgradeJournal: o.journal } : {}),
    ...o.record,
  });
  /** The state as the runner finds it while a command runs. */
  const seen: { command: string; journal?: UpgradeJournal }[] = [];
  const runner = new FakeRunner([
    ...(o.rows ?? []),
    // The shared compose-up in Mattermost's order: PostgreSQL until pg_isready answers, then the rest.
    ...stackRows(platform, ['postgres', 'mattermost']),
    {
      match: / exec -T postgres sh -c '?exec pg_dump /,
      effect: (c) => void writeFileSync(c.stdoutFile as string, 'PGDMP'),
    },
    { match: /^docker ps .*service=postgres --format/, stdout: 'postgres:16-alpine\n' },
    { match: / config --images$/, stdout: `mattermost/mattermost-team-edition:${NEW}\npostgres:16-alpine\n` },
    { match: /^docker image inspect / },
    { match: /^docker info --format /, stdout: '/var/lib/docker\n' },
    {
      match: /^rm -f -- /,
      effect: (c) => {
        for (const f of c.args.slice(2)) rmSync(f, { force: true });
      },
    },
  ]);
  const run = runner.run.bind(runner);
  runner.run = async (cmd, opts) => {
    const journal = store.get('mattermost')?.upgradeJournal;
    seen.push({ command: `${cmd.file} ${cmd.args.join(' ')}`, ...(journal ? { journal } : {}) });
    return run(cmd, opts);
  };
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = text(stdout);
  const err = text(stderr);
  const deps = {
    env: {
      hostPath: real,
      stateDir: real('/var/lib/wizard'),
      projectName: (n: string) => n,
      readyTimeoutSeconds: 1,
      pollIntervalMs: 5,
      clock: systemClock,
      env: {},
    },
    term: { stdin: new PassThrough(), stdout, stderr, interactive: false },
    runner,
    files: new RealFileStore(real),
    http: server(o.serving),
    log: new MemoryLogger(),
    state: () => store,
    platforms: [platform],
    templates: () => '',
    version: '0.0.0-test',
  } as unknown as Deps;
  const env = () => parseEnv(readFileSync(real('/opt/mattermost/.env'), 'utf8')).values;
  const record = () => store.get('mattermost') as InstallRecord;
  return { root, real, runner, deps, seen, env, record, out, err };
}

const journalAt = (phase: UpgradeJournal['phase'], patch: Partial<UpgradeJournal> = {}): UpgradeJournal => ({
  path: [NEW],
  step: 0,
  from: OLD,
  to: NEW,
  phase,
  envPath: '/opt/mattermost/.env',
  pid: 999_999,
  startedAt: '2026-11-22T04:00:00.000Z',
  updatedAt: '2026-11-22T04:01:00.000Z',
  ...patch,
});

/** The `up` that starts the rest of the stack (after PostgreSQL): the switch's and the rollback's last. */
const up: RegExp = / up -d --remove-orphans --pull never --no-deps mattermost$/;

describe('the upgrade journal', () => {
  it('is written before each phase, keeps the env file as it was at 0600 while switching, and is cleared with the history entry', async () => {
    let serving = OLD;
    const h = await harness({
      rows: [
        {
          match: up,
          effect: () => {
            serving = NEW;
          },
        },
      ],
      serving: () => serving,
    });
    // What the switch has kept when `up -d` starts, read while it runs.
    let kept: { text: string; mode: number } | undefined;
    h.runner.run = ((run) => async (cmd, opts) => {
      if (up.test(`${cmd.file} ${cmd.args.join(' ')}`)) {
        const path = h.real('/opt/mattermost/.env.before-upgrade');
        kept = { text: readFileSync(path, 'utf8'), mode: statSync(path).mode & 0o777 };
      }
      return run(cmd, opts);
    })(h.runner.run.bind(h.runner));

    expect(await upgradeCommand({ yes: true, offline: true }, h.deps)).toBe(0);

    const phaseAt = (re: RegExp) => h.seen.find((s) => re.test(s.command))?.journal?.phase;
    expect(phaseAt(/pg_dump/)).toBe('checked');
    // The last `config --images`: the first is the disk preflight's, before any phase.
    expect(h.seen.findLast((s) => / config --images$/.test(s.command))?.journal?.phase).toBe('backed-up');
    expect(phaseAt(up)).toBe('switching');
    const switching = h.seen.find((s) => up.test(s.command))?.journal;
    expect(switching).toMatchObject({
      path: [NEW],
      step: 0,
      from: OLD,
      to: NEW,
      envPath: '/opt/mattermost/.env',
      previousEnv: '/opt/mattermost/.env.before-upgrade',
      pid: process.pid,
    });
    expect(switching?.backup).toBe(
      h.real(`/opt/mattermost/backups/${(switching?.backup ?? '').split('/').pop()}`),
    );
    expect(kept).toEqual({ text: ENV, mode: 0o600 });
    expect(h.env().MATTERMOST_IMAGE_TAG).toBe(NEW);
    expect(h.record().upgradeJournal).toBeUndefined();
    expect(h.record()).toMatchObject({
      release: NEW,
      history: [{ from: OLD, to: NEW, result: 'upgraded', backup: switching?.backup }],
    });
    expect(existsSync(h.real('/opt/mattermost/.env.before-upgrade'))).toBe(false);
    expect(
      JSON.parse(readFileSync(h.real('/var/lib/wizard/state.json'), 'utf8')).installs.mattermost
        .upgradeJournal,
    ).toBeUndefined();
    // The backup is recorded with its digest (a restore checks it).
    expect(JSON.parse(readFileSync(h.real('/var/lib/wizard/state.json'), 'utf8')).backups).toEqual([
      expect.objectContaining({
        file: switching?.backup,
        kind: 'upgrade',
        install: 'mattermost',
        release: OLD,
        digest: expect.stringMatching(/^sha256-members-v1:[0-9a-f]{64}$/),
      }),
    ]);
  });

  it('before switching: says nothing was changed and resumes that step, reusing the completed backup', async () => {
    let serving = OLD;
    const backup = '/backups/mattermost-20261122-040000-10.11.23-to-11.7.15.tar.gz';
    const h = await harness({
      journal: journalAt('pulled', { backup }),
      rows: [
        { match: /^test -s /, exitCode: 0 },
        {
          match: up,
          effect: () => {
            serving = NEW;
          },
        },
      ],
      serving: () => serving,
    });
    // The killed run had kept the env file already (it dies between that write and the journal's `switching`).
    writeFileSync(h.real('/opt/mattermost/.env.before-upgrade'), ENV, { mode: 0o600 });
    expect(await upgradeCommand({ yes: true, offline: true }, h.deps)).toBe(0);
    expect(h.err()).toContain(
      `Found an interrupted upgrade ${OLD} → ${NEW} interrupted after the phase "pulled", before anything changed`,
    );
    expect(h.err()).toContain(
      `Nothing was changed by it: Mattermost ${OLD} still runs. The upgrade resumes from ${OLD} → ${NEW}, reusing the backup ${backup}.`,
    );
    expect(h.runner.calls.some((c) => c.includes('pg_dump'))).toBe(false);
    expect(h.record()).toMatchObject({
      release: NEW,
      history: [{ from: OLD, to: NEW, result: 'upgraded', backup }],
    });
    expect(h.record().upgradeJournal).toBeUndefined();
    for (const f of ['.env.before-upgrade', '.env.before-upgrade.bak'])
      expect(existsSync(h.real(`/opt/mattermost/${f}`))).toBe(false);
    expect(h.out()).toContain(`✔ Mattermost upgraded: ${OLD} → ${NEW} (backup: ${backup}).`);
  });

  it('before switching with the backup gone: takes it again', async () => {
    let serving = OLD;
    const h = await harness({
      journal: journalAt('backed-up', { backup: '/gone.tar.gz' }),
      rows: [
        { match: /^test -s \/gone/, exitCode: 1 },
        {
          match: up,
          effect: () => {
            serving = NEW;
          },
        },
      ],
      serving: () => serving,
    });
    expect(await upgradeCommand({ yes: true, offline: true }, h.deps)).toBe(0);
    expect(h.err()).toContain('(the backup is taken again)');
    expect(h.runner.calls.filter((c) => c.includes('pg_dump'))).toHaveLength(1);
    expect(h.record().history?.[0]?.backup).toMatch(/backups\/mattermost-.*-10\.11\.23-to-11\.7\.15\.tar$/);
  });

  it('switching, and the new release answers: recorded as "upgraded (resumed)", nothing restarted', async () => {
    const h = await harness({
      journal: journalAt('switching', {
        backup: '/b.tar.gz',
        previousEnv: '/opt/mattermost/.env.before-upgrade',
      }),
      serving: () => NEW,
    });
    writeFileSync(h.real('/opt/mattermost/.env'), ENV.replace(OLD, NEW), { mode: 0o600 });
    writeFileSync(h.real('/opt/mattermost/.env.before-upgrade'), ENV, { mode: 0o600 });
    expect(await upgradeCommand({ yes: true, offline: true }, h.deps)).toBe(0);
    expect(h.err()).toContain(
      `✔ Mattermost ${NEW} answers: the interrupted upgrade ${OLD} → ${NEW} is recorded as done.`,
    );
    expect(h.out()).toBe(`✔ Mattermost upgraded: ${OLD} → ${NEW} (resumed).\n`);
    expect(h.runner.calls.filter((c) => !c.startsWith('rm -f'))).toEqual([]);
    expect(h.record()).toMatchObject({
      release: NEW,
      history: [{ from: OLD, to: NEW, result: 'upgraded (resumed)', backup: '/b.tar.gz' }],
    });
    expect(h.record().upgradeJournal).toBeUndefined();
    expect(existsSync(h.real('/opt/mattermost/.env.before-upgrade'))).toBe(false);
    expect(h.env().MATTERMOST_IMAGE_TAG).toBe(NEW);
  });

  it('switching, and the new release does not answer: the previous env file comes back, the old release is started and waited for', async () => {
    let serving: string | undefined;
    const h = await harness({
      journal: journalAt('switching', {
        backup: '/b.tar.gz',
        previousEnv: '/opt/mattermost/.env.before-upgrade',
      }),
      rows: [
        { match: / logs --no-color --tail 30 mattermost$/, stdout: 'mattermost-1 | panic: migration failed' },
        {
          match: up,
          effect: () => {
            serving = OLD;
          },
        },
      ],
      serving: () => serving,
    });
    writeFileSync(h.real('/opt/mattermost/.env'), ENV.replace(OLD, NEW), { mode: 0o600 });
    writeFileSync(h.real('/opt/mattermost/.env.before-upgrade'), ENV, { mode: 0o600 });
    const err = await upgradeCommand({ yes: true, offline: true }, h.deps).then(
      () => undefined,
      (e: Error & { remedy?: string; exitCode?: number }) => e,
    );
    expect(err?.message).toMatch(
      new RegExp(
        `^Mattermost ${NEW} did not answer after the interrupted switch \\(Mattermost did not answer at http://127.0.0.1:8065/api/v4/system/ping within 1 s .*\\); ${OLD} was put back and it answers again\\.$`,
      ),
    );
    expect(err?.exitCode).toBe(ExitCode.failed);
    expect(err?.remedy).toContain('The backup taken before: /b.tar.gz.');
    expect(err?.remedy).toContain('wizard restore /b.tar.gz puts the database and files back as they were.');
    expect(readFileSync(h.real('/opt/mattermost/.env'), 'utf8')).toBe(ENV);
    expect(statSync(h.real('/opt/mattermost/.env')).mode & 0o777).toBe(0o600);
    expect(h.runner.calls.filter((c) => up.test(c))).toHaveLength(1);
    expect(h.record()).toMatchObject({
      release: OLD,
      history: [{ from: OLD, to: NEW, result: 'rolled back (resumed)', backup: '/b.tar.gz' }],
    });
    expect(h.record().upgradeJournal).toBeUndefined();
    expect(existsSync(h.real('/opt/mattermost/.env.before-upgrade'))).toBe(false);
  });

  it('without a terminal or --yes: settles (records the step) but starts no new step, and says how to go on', async () => {
    const three = { ...mattermost, releases: [{ version: '12.0.0' }, ...mattermost.releases] } as Platform;
    const h = await harness({
      platform: three,
      journal: journalAt('switching', {
        path: [NEW, '12.0.0'],
        previousEnv: '/opt/mattermost/.env.before-upgrade',
      }),
      serving: () => NEW,
    });
    writeFileSync(h.real('/opt/mattermost/.env.before-upgrade'), ENV, { mode: 0o600 });
    const err = await upgradeCommand({ offline: true }, h.deps).then(
      () => undefined,
      (e: UserError) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect(err?.message).toBe(
      `Mattermost ${NEW} answers: the interrupted upgrade ${OLD} → ${NEW} is recorded as done. The rest of the path (12.0.0) needs a "yes" and there is no terminal to ask.`,
    );
    expect(err?.remedy).toBe('Run wizard upgrade mattermost --yes to go on.');
    expect(h.record()).toMatchObject({ release: NEW, history: [{ result: 'upgraded (resumed)' }] });
    expect(h.record().upgradeJournal).toBeUndefined();
    // Only the read-only disk preflight ran (image sizes, Docker's root).
    expect(h.runner.calls.filter((c) => !c.startsWith('rm -f') && !readOnly.test(c))).toEqual([]);
  });

  it('before switching, without a terminal or --yes: nothing changes and the journal stays for the run that goes on', async () => {
    const h = await harness({ journal: journalAt('checked'), serving: () => OLD });
    const err = await upgradeCommand({ offline: true }, h.deps).then(
      () => undefined,
      (e: UserError) => e,
    );
    expect(err?.message).toBe(
      `Nothing was changed by it: Mattermost ${OLD} still runs. The rest of the path (${NEW}) needs a "yes" and there is no terminal to ask.`,
    );
    expect(h.record().upgradeJournal?.phase).toBe('checked');
    expect(h.runner.calls.filter((c) => !readOnly.test(c))).toEqual([]);
  });

  it('--dry-run names the interrupted upgrade and changes nothing', async () => {
    const h = await harness({ journal: journalAt('switching'), serving: () => NEW });
    expect(await upgradeCommand({ dryRun: true }, h.deps)).toBe(0);
    expect(h.err()).toContain(`Found an interrupted upgrade ${OLD} → ${NEW} interrupted while switching`);
    expect(h.err()).toContain('Dry run: nothing was changed; a run without --dry-run settles it first.');
    expect(h.record().upgradeJournal?.phase).toBe('switching');
    expect(h.runner.calls).toEqual([]);
  });

  it('--check (text and JSON), status --json and status report an interrupted upgrade', async () => {
    const h = await harness({ journal: journalAt('switching'), serving: () => OLD });
    expect(await upgradeCommand({ check: true, json: true }, h.deps)).toBe(10);
    const json = JSON.parse(h.out());
    expect(json.interrupted).toMatchObject({
      phase: 'switching',
      from: OLD,
      to: NEW,
      remedy: 'wizard upgrade mattermost',
    });
    expect(json.interrupted.summary).toContain('interrupted while switching to the new release');
    const t = await harness({
      journal: journalAt('backed-up'),
      serving: () => OLD,
      rows: [{ match: / ps --all --format json$/, stdout: '' }],
    });
    await upgradeCommand({ check: true }, t.deps);
    expect(t.out()).toContain(
      `Mattermost: upgrade ${OLD} → ${NEW} interrupted after the phase "backed-up", before anything changed`,
    );
    expect(t.out()).toContain('Run: wizard upgrade mattermost (it settles the interrupted upgrade first)');
    const before = t.out().length;
    await statusCommand({ json: true }, t.deps);
    expect(JSON.parse(t.out().slice(before)).installs[0].upgradeJournal).toMatchObject({
      phase: 'backed-up',
    });
    const after = t.out().length;
    await statusCommand({}, t.deps);
    expect(t.out().slice(after)).toContain('interrupted after the phase "backed-up"');
    expect(t.out().slice(after)).toContain('run wizard upgrade mattermost');
  });

  it('a state written before the journal existed reads as no upgrade under way', async () => {
    const root = tmpRoot();
    const old = {
      schema: 1,
      installs: {
        mm: {
          name: 'mm',
          platform: 'mattermost',
          release: OLD,
          history: [{ from: '9.11.0', to: OLD, result: 'upgraded', at: '2026-01-01T00:00:00.000Z' }],
        },
      },
    };
    writeFileSync(join(root, 'state.json'), JSON.stringify(old));
    const store = new StateStore(root);
    expect(store.get('mm')?.upgradeJournal).toBeUndefined();
    await store.update('mm', { release: NEW });
    expect(JSON.parse(readFileSync(join(root, 'state.json'), 'utf8')).installs.mm).toMatchObject({
      release: NEW,
      history: old.installs.mm.history,
    });
  });
});

describe('doctor on an interrupted upgrade', () => {
  const facts = (upgradeJournal?: UpgradeJournal) =>
    ({
      name: 'mattermost',
      release: OLD,
      readiness: { ok: true, version: NEW, detail: 'status OK', url: 'u' },
      ...(upgradeJournal ? { upgradeJournal } : {}),
    }) as InstallFacts;
  const check = installChecks.find((c) => c.id === 'upgrade-interrupted');

  it('names it with the remedy, a failure while switching and a warning before', () => {
    expect(check?.run(facts(journalAt('switching')))).toMatchObject({
      id: 'upgrade-interrupted',
      severity: 'fail',
      remedy: 'wizard upgrade mattermost (it resumes or rolls back first)',
    });
    expect(check?.run(facts(journalAt('pulled')))).toMatchObject({
      severity: 'warn',
      evidence: expect.stringContaining('before anything changed'),
    });
    expect(check?.run(facts())).toBeUndefined();
    expect(installChecks.find((c) => c.id === 'readiness')?.run(facts(journalAt('switching')))).toMatchObject(
      { remedy: 'wizard upgrade mattermost settles the interrupted upgrade.' },
    );
  });
});

describe('an install from before the env layout', () => {
  it('is refused before anything changes, with the install re-run that moves it over (Mastodon without MASTODON_VERSION)', async () => {
    const mastodon = findPlatform('mastodon') as Platform;
    const h = await harness({
      platform: mastodon,
      serving: () => undefined,
      record: {
        name: 'mattermost',
        release: '4.4.3',
        dataDir: '/opt/mattermost',
        domain: 'social.example.com',
        port: 3001,
        tls: 'letsencrypt',
      },
    });
    // The old layout: the release in docker-compose.yml, a .env without it.
    writeFileSync(h.real('/opt/mattermost/.env'), 'COMPOSE_PROJECT_NAME=mastodon\n');
    const err = await upgradeCommand({ yes: true }, h.deps).then(
      () => undefined,
      (e: UserError) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect(err?.message).toBe(
      `${h.real('/opt/mattermost/.env')} has no MASTODON_VERSION: this Mastodon install was written by an older wizard, before the layout \`wizard upgrade\` changes (the release as MASTODON_VERSION in that file). Nothing was changed.`,
    );
    expect(err?.remedy).toBe(
      'Move it to the current layout first (same release 4.4.3, secrets and data kept): wizard install --platform mastodon --name mattermost --domain social.example.com --email admin@example.com --version 4.4.3 --data-dir /opt/mattermost --tls letsencrypt --port 3001 --yes; then: wizard upgrade mattermost',
    );
    expect(h.runner.calls).toEqual([]);
    expect(readFileSync(h.real('/opt/mattermost/.env'), 'utf8')).toBe('COMPOSE_PROJECT_NAME=mastodon\n');
  });
});

describe('the lock after a killed run', () => {
  it('a lock held by a process killed with SIGKILL is stale: the re-run takes it', () => {
    const dir = tmpRoot();
    const killed = spawnSync(process.execPath, [
      '-e',
      `require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'wizard.lock'))}, JSON.stringify({pid: process.pid, command: 'upgrade'})); process.kill(process.pid, 'SIGKILL')`,
    ]);
    expect(killed.signal).toBe('SIGKILL');
    expect(JSON.parse(readFileSync(join(dir, 'wizard.lock'), 'utf8')).command).toBe('upgrade');
    const release = acquireLock(dir, 'upgrade');
    expect(JSON.parse(readFileSync(join(dir, 'wizard.lock'), 'utf8'))).toMatchObject({
      pid: process.pid,
      command: 'upgrade',
    });
    release();
  });
});

describe('settling a Mastodon switch (its own probe)', () => {
  const mastodon = findPlatform('mastodon') as Platform;
  const FROM = '4.4.8';
  const TO = '4.5.11';
  const postMigrate = / run --rm -T web bundle exec rails db:migrate$/;

  function mastodonCase(serving: () => string | undefined, rows: FakeRow[]) {
    const root = tmpRoot();
    mkdirSync(join(root, 'opt/mastodon'), { recursive: true });
    writeFileSync(join(root, 'opt/mastodon/.env'), `MASTODON_VERSION=${TO}\n`);
    writeFileSync(join(root, 'opt/mastodon/.env.before-upgrade'), `MASTODON_VERSION=${FROM}\n`, {
      mode: 0o600,
    });
    const runner = new FakeRunner([
      ...rows,
      ...stackRows(mastodon, ['db', 'redis', 'web', 'streaming', 'sidekiq']),
    ]);
    const http: HttpClient = {
      async request(url, opts) {
        const v = serving();
        if (!v) throw new Error('connection refused');
        if (new URL(url).pathname === '/api/v1/instance' && opts?.headers?.host === 'social.example.com')
          return { status: 200, body: JSON.stringify({ version: v }) };
        return { status: 200, body: 'OK' };
      },
    };
    const ctx: UpgradeContext = {
      answers: withDefaults(
        {
          platform: 'mastodon',
          domain: 'social.example.com',
          email: 'a@example.com',
          tls: 'none',
          version: TO,
          extra: {},
        },
        mastodon,
      ),
      platform: mastodon,
      plan: { files: [], commands: [] },
      project: 'mastodon',
      proxyProject: 'proxy',
      projectDir: '/opt/mastodon',
      composeFiles: mastodon.composeFiles,
      dryRun: false,
      runner,
      files: new RealFileStore((p) => join(root, p)),
      http,
      log: new MemoryLogger(),
      journal: { completed: new Set(), done: () => undefined },
      notes: [],
      readyTimeoutSeconds: 1,
      pollIntervalMs: 5,
      clock: systemClock,
      from: FROM,
      to: { version: TO },
      envPath: '/opt/mastodon/.env',
      backupDir: '/opt/mastodon/backups',
      noBackup: false,
      backupFile: '/b.tar.gz',
      stamp: '20261122-040000',
      keep: [],
    };
    const journal = journalAt('switching', {
      from: FROM,
      to: TO,
      path: [TO],
      envPath: '/opt/mastodon/.env',
      previousEnv: '/opt/mastodon/.env.before-upgrade',
    });
    return { root, runner, ctx, journal };
  }

  it('the new version answers /api/v1/instance: the post-deployment migrations run again, and it counts as done', async () => {
    const { runner, ctx, journal } = mastodonCase(() => TO, [{ match: postMigrate }]);
    expect(await settleSwitch(ctx, journal, () => undefined)).toBe(TO);
    expect(runner.calls).toHaveLength(1);
    expect(runner.calls[0]).toMatch(postMigrate);
  });

  it('the old version still answers: .env comes back from the kept copy and the old release is started', async () => {
    let serving: string | undefined = TO.replace(/\d+$/, '0');
    const { runner, ctx, journal, root } = mastodonCase(
      () => serving,
      [
        {
          match: / up -d --remove-orphans --pull never --no-deps redis web streaming sidekiq$/,
          effect: () => {
            serving = FROM;
          },
        },
        { match: / logs --no-color --tail 30 web$/, stdout: '' },
      ],
    );
    const err = await settleSwitch(ctx, journal, () => undefined).then(
      () => undefined,
      (e: Error & { remedy?: string }) => e,
    );
    expect(err?.message).toMatch(
      new RegExp(
        `^Mastodon ${TO} did not answer after the interrupted switch \\(Mastodon did not report version ${TO} .*\\); ${FROM} was put back and it answers again\\.$`,
      ),
    );
    expect(err?.remedy).toContain('pg_restore');
    expect(readFileSync(join(root, 'opt/mastodon/.env'), 'utf8')).toBe(`MASTODON_VERSION=${FROM}\n`);
    expect(runner.calls.filter((c) => postMigrate.test(c))).toEqual([]);
    expect(ctx.rolledBack).toContain('was put back');
  });
});
