import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv, setEnv } from '../../src/core/envfile.js';
import { doctorOf, unpackedBundle, waitFor } from './helpers/doctor.js';
import { installArgs } from './helpers/install.js';
import { dockerAvailable, ensureStandinImages } from './helpers/standins.js';
import { freePort, runWizard } from './helpers/wizard.js';

/** The secrets the install generates into .env.production. */
const GENERATED = [
  'SECRET_KEY_BASE',
  'OTP_SECRET',
  'VAPID_PRIVATE_KEY',
  'DB_PASS',
  'ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY',
  'ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT',
  'ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY',
];

/**
 * Mastodon's doctor on a real stand-in install (postgres, redis, web, streaming, sidekiq), with one fault injected
 * at a time and put right before the next: a stopped container, a wrong LOCAL_DOMAIN, a secret file at 0644, the
 * web process refusing to boot without an ActiveRecord encryption key (a restart loop with Mastodon's own message
 * in its log), and a support bundle that holds none of the generated secrets.
 */
describe('wizard doctor on a real Mastodon install', () => {
  let root = '';
  let port = 0;
  let env: Record<string, string> = {};
  const dataDir = () => join(root, 'opt/mastodon');
  const production = () => join(dataDir(), '.env.production');
  const envOf = (file: string) => parseEnv(readFileSync(join(dataDir(), file), 'utf8')).values;
  const project = () =>
    JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8')).installs.mastodon
      .project as string;
  const compose = (...a: string[]) =>
    execFileSync(
      'docker',
      [
        'compose',
        '--project-name',
        project(),
        '--project-directory',
        dataDir(),
        '-f',
        'docker-compose.yml',
        ...a,
      ],
      {
        cwd: dataDir(),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  const { run: doctor, mine, problems, byId } = doctorOf('mastodon', () => env);

  beforeAll(async () => {
    if (!(await dockerAvailable()))
      throw new Error('No Docker engine answers: the e2e suite needs one (run .ci/setup-docker.sh).');
    await ensureStandinImages();
    root = mkdtempSync(join(tmpdir(), 'wizard-doctor-mastodon-'));
    port = await freePort();
    let streaming = 0;
    do streaming = await freePort();
    while (streaming === port);
    env = { WIZARD_ROOT: root, WIZARD_READY_TIMEOUT: '90' };
    const r = await runWizard(installArgs({ platform: 'mastodon', port, streamingPort: streaming }), env);
    if (r.code !== 0) throw new Error(`install failed: ${r.stderr}`);
  }, 150_000);

  afterAll(() => {
    try {
      compose('down', '--volumes', '--remove-orphans', '--timeout', '2');
    } catch {
      // nothing was started
    }
    rmSync(root, { recursive: true, force: true });
  });

  it("a healthy install: no failure or warning of its own; LOCAL_DOMAIN, streaming and the secret files' modes are checked", async () => {
    const { code, report } = await doctor();
    expect(mine(report).filter((f) => f.severity !== 'ok')).toEqual([]);
    // Only the host (memory, swap, disk of this machine) may warn.
    expect(code).toBe(report.findings.some((f) => f.severity === 'warn') ? 1 : 0);
    expect(report.exitCode).toBe(code);
    expect(byId(report, 'mastodon.local-domain')).toMatchObject({ severity: 'ok', evidence: 'localhost' });
    expect(byId(report, 'mastodon.streaming')?.evidence).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/streaming\/health answers OK$/,
    );
    // .env.production and .env.db (owner.env, the first admin's login, is written by the install's owner step).
    expect(byId(report, 'secret-modes')).toMatchObject({ severity: 'ok', evidence: '2 file(s) at 0600' });
    for (const s of ['db', 'redis', 'web', 'streaming', 'sidekiq'])
      expect(byId(report, `container.${s}`)?.severity, s).toBe('ok');
  });

  it('a stopped sidekiq: named with exit 2; --fix starts it and the install answers again', async () => {
    compose('stop', 'sidekiq');
    const { code, report } = await doctor();
    expect(code).toBe(2);
    expect(problems(report)).toEqual([
      expect.objectContaining({
        id: 'container.sidekiq',
        evidence: expect.stringMatching(/^exited, exit code \d+$/),
        remedy: `cd ${dataDir()} && docker compose up -d`,
        fix: 'start sidekiq',
      }),
    ]);
    const fixed = await doctor('--fix');
    expect(fixed.report.fixed).toEqual([
      'started the containers of mastodon',
      `mastodon answers again at http://127.0.0.1:${port}/health`,
    ]);
    expect(problems(fixed.report)).toEqual([]);
    expect(fixed.code).not.toBe(2);
    expect(compose('ps', '--format', '{{.State}}', 'sidekiq').trim()).toBe('running');
  });

  it('a wrong LOCAL_DOMAIN: named with the domain the install serves, exit 2', async () => {
    const before = readFileSync(production(), 'utf8');
    try {
      writeFileSync(production(), setEnv(before, { LOCAL_DOMAIN: 'wrong.example.com' }));
      const { code, report } = await doctor();
      expect(code).toBe(2);
      expect(problems(report)).toEqual([
        expect.objectContaining({
          id: 'mastodon.local-domain',
          evidence: `LOCAL_DOMAIN is wrong.example.com in ${production()}, but the install serves localhost`,
          remedy: `Set LOCAL_DOMAIN=localhost in ${production()} (the domain it was created with: accounts are bound to it), then: cd ${dataDir()} && docker compose up -d`,
        }),
      ]);
    } finally {
      writeFileSync(production(), before);
    }
    expect(problems((await doctor()).report)).toEqual([]);
  });

  it('.env.production at 0644: named with the chmod; --fix puts it back to 0600', async () => {
    chmodSync(production(), 0o644);
    const { code, report } = await doctor();
    expect(code).toBe(2);
    expect(problems(report)).toEqual([
      expect.objectContaining({
        id: 'secret-modes',
        evidence: `${production()} is mode 0644: others can read its secrets`,
        remedy: `chmod 600 ${production()}`,
      }),
    ]);
    const fixed = await doctor('--fix');
    expect(fixed.report.fixed).toEqual([`chmod 600 ${production()}`]);
    expect(statSync(production()).mode & 0o777).toBe(0o600);
    expect(problems(fixed.report)).toEqual([]);
  });

  it("an ActiveRecord encryption key gone: web won't boot, Mastodon's message is named with its remedy, and that remedy works", async () => {
    const before = envOf('.env.production');
    const text = readFileSync(production(), 'utf8');
    writeFileSync(production(), text.replace(/^ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY=.*\n/m, ''));
    // The env file changed: Compose recreates web, whose boot aborts; Docker restarts it again and again.
    compose('up', '-d', 'web');
    await waitFor(() =>
      /Mastodon now requires that these variables are set/.test(compose('logs', '--no-color', 'web')),
    );
    await waitFor(
      () =>
        Number(
          execFileSync(
            'docker',
            ['inspect', '--format', '{{.RestartCount}}', compose('ps', '-q', 'web').trim()],
            { encoding: 'utf8' },
          ),
        ) >= 3,
    );
    const { code, report } = await doctor();
    expect(code).toBe(2);
    expect(byId(report, 'mastodon.encryption-keys')).toMatchObject({
      severity: 'fail',
      evidence: expect.stringContaining('Mastodon now requires that these variables are set:'),
      remedy: expect.stringContaining('Run wizard install again'),
    });
    expect(byId(report, 'container.web')).toMatchObject({
      severity: 'fail',
      evidence: expect.stringMatching(/^restart loop: \d+ restarts/),
      remedy: 'Read why it exits: wizard logs mastodon web --tail 100',
    });
    expect(byId(report, 'readiness')?.severity).toBe('fail');

    // The remedy: the install again adds the missing key and keeps every other secret.
    const again = await runWizard(
      ['install', '--platform', 'mastodon', '--tls', 'none', '--offline', '--yes'],
      env,
    );
    expect(again.code, again.stderr).toBe(0);
    const after = envOf('.env.production');
    expect(after.ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY).toMatch(/^[A-Za-z0-9]{32}$/);
    for (const k of GENERATED.filter((k) => k !== 'ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY'))
      expect(after[k], k).toBe(before[k]);
    const healed = await doctor();
    // The old lines are still in the log; they no longer count once the install answers.
    expect(problems(healed.report)).toEqual([]);
    expect(byId(healed.report, 'mastodon.encryption-keys')).toBeUndefined();
  }, 180_000);

  it('--bundle holds no generated secret and no email address', async () => {
    const { file, dir, files, stderr } = await unpackedBundle('mastodon', root, env);
    expect(stderr).toContain('mastodon/compose-config.yml');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(files.map((f) => f.name)).toEqual(
      expect.arrayContaining(['findings.json', 'compose-config.yml', 'container-logs.txt']),
    );
    const prod = envOf('.env.production');
    const secrets = [
      ...GENERATED.map((k) => prod[k]),
      envOf('.env.db').POSTGRES_PASSWORD,
      envOf('owner.env').OWNER_PASSWORD,
    ].map((s) => s ?? '');
    for (const s of secrets) expect(s.length).toBeGreaterThanOrEqual(16);
    for (const { name, text } of files) {
      for (const s of secrets) expect(text, name).not.toContain(s);
      expect(text, name).not.toContain('admin@example.com');
    }
    // compose config prints the env files' values: they are there, replaced.
    expect(readFileSync(join(dir, 'mastodon/compose-config.yml'), 'utf8')).toMatch(
      /SECRET_KEY_BASE: '?\[redacted\]/,
    );
  });
});
