import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/core/answers.js';
import { parseEnv } from '../../src/core/envfile.js';
import { templateLoader } from '../../src/system/assets.js';
import { findPlatform } from '../../steps/index.js';
import { proxyFiles } from '../../steps/proxy/index.js';
import { installArgs } from './helpers/install.js';
import { asUid, rootTargets } from './helpers/plant.js';
import { dockerAvailable, ensureStandinImages } from './helpers/standins.js';
import { freePort, runWizard, unwrapped } from './helpers/wizard.js';

/**
 * A real Mastodon install on the real Docker engine: `--tls none --offline --yes` under a temp WIZARD_ROOT,
 * against the stand-in images (postgres:14-alpine, redis:7-alpine, ghcr.io/mastodon/mastodon{,-streaming}).
 * Nothing is published on a fixed host port. The e2e suite never skips: no engine is a failure.
 */
describe('install Mastodon end to end', () => {
  let root = '';
  let port = 0;
  let streaming = 0;
  let env: Record<string, string> = {};
  let hostPasswd = '';
  // No --domain or --email: this file answers them from the environment.
  const args = () =>
    installArgs({ platform: 'mastodon', domain: null, email: null, port, streamingPort: streaming });
  const record = () =>
    JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8')).installs.mastodon;
  const dataDir = () => join(root, 'opt/mastodon');
  const compose = (...a: string[]) =>
    execFileSync(
      'docker',
      [
        'compose',
        '--project-name',
        record().project,
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
  const sql = (q: string) =>
    compose(
      'exec',
      '-T',
      'db',
      'psql',
      '-X',
      '-U',
      'mastodon',
      '-d',
      'mastodon_production',
      '-tAc',
      q,
    ).trim();
  const envOf = (file: string) => parseEnv(readFileSync(join(dataDir(), file), 'utf8')).values;
  const logs = (prefix = '') =>
    readdirSync(join(root, 'var/log/wizard'))
      .filter((f) => f.startsWith(prefix))
      .sort()
      .map((f) => readFileSync(join(root, 'var/log/wizard', f), 'utf8'));
  /** GET on 127.0.0.1 with our own Host header (fetch can't set one; Mastodon answers only for its domain). */
  const get = (p: number, path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: p, path, headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  const asMastodon = { host: 'localhost', 'x-forwarded-proto': 'https' };

  beforeAll(async () => {
    if (!(await dockerAvailable()))
      throw new Error('No Docker engine answers: the e2e suite needs one (run .ci/setup-docker.sh).');
    await ensureStandinImages();
    root = mkdtempSync(join(tmpdir(), 'wizard-e2e-mastodon-'));
    port = await freePort();
    do streaming = await freePort();
    while (streaming === port);
    env = { WIZARD_ROOT: root, WIZARD_READY_TIMEOUT: '120' };
    hostPasswd = readFileSync('/etc/passwd', 'utf8');
  });

  afterAll(() => {
    try {
      compose('down', '--volumes', '--remove-orphans', '--timeout', '5');
    } catch {
      // nothing was started
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('installs: exit 0, both health endpoints answer, and the summary shows the owner login once', async () => {
    const r = await runWizard([...args(), '--domain', 'localhost', '--email', 'admin@example.com'], env);
    expect(r.stderr).not.toContain('✖');
    expect(r.code).toBe(0);
    const owner = envOf('owner.env');
    expect(owner).toMatchObject({ OWNER_USERNAME: 'owner', OWNER_EMAIL: 'admin@example.com' });
    expect(owner.OWNER_PASSWORD).toMatch(/^[0-9a-f]{32}$/);
    expect(r.stdout).toContain('✔ Mastodon 4.5.11 is running.');
    expect(r.stdout).toContain('Open https://localhost and log in as the first admin:');
    expect(r.stdout).toContain(`password  ${owner.OWNER_PASSWORD}`);
    expect(r.stdout).toContain('No SMTP server is set: Mastodon sends no mail');
    expect(r.stderr).toContain('✔ Set up the empty database (rails db:setup)');
    expect(r.stderr).toContain('✔ Created the owner "owner" (confirmed, role Owner, approved)');
    expect(r.stderr).toContain('✔ Mastodon 4.5.11 answers on /api/v1/instance');
    expect(await get(port, '/health')).toEqual({ status: 200, body: 'OK' });
    expect(await get(streaming, '/api/v1/streaming/health')).toEqual({ status: 200, body: 'OK' });
    const instance = await get(port, '/api/v1/instance', asMastodon);
    expect(instance.status).toBe(200);
    expect(JSON.parse(instance.body)).toMatchObject({ uri: 'localhost', version: '4.5.11' });
    expect((await get(port, '/api/v1/instance')).status).toBe(403);
    // Published on loopback only.
    expect(compose('port', 'web', '3000').trim()).toBe(`127.0.0.1:${port}`);
    expect(compose('port', 'streaming', '4000').trim()).toBe(`127.0.0.1:${streaming}`);
  });

  it('the owner exists once: confirmed, approved, role Owner, with the password the summary showed', () => {
    expect(sql("SELECT count(*) FROM accounts WHERE username = 'owner'")).toBe('1');
    const ownerRole = sql("SELECT id FROM user_roles WHERE name = 'Owner'");
    const [approved, role, confirmed, hash] = sql(
      "SELECT approved, role_id, confirmed_at, encrypted_password FROM users WHERE email = 'admin@example.com'",
    ).split('|');
    expect({ approved, role, confirmed: confirmed !== '' }).toEqual({
      approved: 't',
      role: ownerRole,
      confirmed: true,
    });
    expect(hash).toBe(
      `sha256:${createHash('sha256')
        .update(envOf('owner.env').OWNER_PASSWORD ?? '')
        .digest('hex')}`,
    );
    // All migrations ran, the post-deployment ones included.
    expect(Number(sql('SELECT count(*) FROM schema_migrations'))).toBeGreaterThanOrEqual(11);
  });

  it('lays the files out with their modes and owners, and the user only in the staging root', () => {
    const mode = (p: string) => statSync(join(dataDir(), p)).mode & 0o7777;
    const uid = (p: string) => statSync(join(dataDir(), p)).uid;
    // What root feeds to Docker is root's (Compose reads the env files on the host, as root, and the app runs);
    // only the folders the containers write are their users'.
    expect([mode('.'), uid('.')]).toEqual([0o755, 0]);
    for (const f of ['.env.production', '.env.db']) expect([f, mode(f), uid(f)]).toEqual([f, 0o600, 0]);
    for (const f of ['.env', 'docker-compose.yml', 'public']) expect([f, uid(f)]).toEqual([f, 0]);
    expect([mode('docker-compose.yml'), uid('docker-compose.yml')]).toEqual([0o644, 0]);
    expect([mode('public/system'), uid('public/system')]).toEqual([0o755, 991]);
    expect([mode('postgres14'), uid('postgres14')]).toEqual([0o700, 70]);
    expect(uid('redis')).toBe(999);
    expect([mode('owner.env'), uid('owner.env')]).toEqual([0o600, 0]);
    expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).toMatch(
      /^mastodon:[^:]*:991:991:Mastodon:\/opt\/mastodon:\/usr\/sbin\/nologin$/m,
    );
    expect(readFileSync('/etc/passwd', 'utf8')).toBe(hostPasswd);
    // PostgreSQL's data lives in the install's folder.
    expect(readdirSync(join(dataDir(), 'postgres14'))).toContain('PG_VERSION');
    const prod = envOf('.env.production');
    expect(prod).toMatchObject({
      LOCAL_DOMAIN: 'localhost',
      DB_HOST: 'db',
      REDIS_HOST: 'redis',
      DB_USER: 'mastodon',
      DB_NAME: 'mastodon_production',
    });
    expect(envOf('.env.db').POSTGRES_PASSWORD).toBe(prod.DB_PASS);
  });

  it('records the install in the state, and `status --json` shows the five containers running', async () => {
    expect(record()).toMatchObject({
      platform: 'mastodon',
      domain: 'localhost',
      release: '4.5.11',
      status: 'installed',
      tls: 'none',
      port,
      composeFiles: ['docker-compose.yml'],
      extra: { streamingPort: String(streaming) },
    });
    expect(Object.keys(record().journal)).toEqual(
      expect.arrayContaining([
        'user:mastodon',
        'db:setup',
        'migrate:pre',
        'migrate:post',
        'admin',
        'ready',
        'ready:streaming',
      ]),
    );
    const r = await runWizard(['status', '--json'], env);
    expect(r.code).toBe(0);
    const install = JSON.parse(r.stdout).installs.find((i: { name: string }) => i.name === 'mastodon');
    const services = Object.fromEntries(
      install.containers.map((c: { service: string; state: string }) => [c.service, c.state]),
    );
    expect(services).toEqual({
      db: 'running',
      redis: 'running',
      web: 'running',
      streaming: 'running',
      sidekiq: 'running',
    });
  });

  it('a second run changes no secret, runs no db:setup and creates no second owner', async () => {
    const files = ['.env.production', '.env.db', 'owner.env', 'docker-compose.yml'];
    const before = files.map((f) => readFileSync(join(dataDir(), f), 'utf8'));
    const migrations = sql('SELECT count(*) FROM schema_migrations');
    // No --port or --streaming-port: the recorded answers are used again.
    const r = await runWizard(
      ['install', '--platform', 'mastodon', '--tls', 'none', '--offline', '--yes'],
      env,
    );
    expect(r.stderr).not.toContain('✖');
    expect(r.code).toBe(0);
    expect(unwrapped(r.stderr)).toContain(
      '"mastodon" is already installed: this run repairs it with the same secrets and data.',
    );
    expect(r.stderr).toMatch(/✔ Kept the existing database \(\d+ tables\): no setup, only migrations/);
    expect(r.stderr).toContain('✔ Owner "owner" exists (created by an earlier run)');
    expect(r.stdout).toContain('unchanged (not shown again)');
    expect(r.stdout).not.toContain(envOf('owner.env').OWNER_PASSWORD);
    expect(files.map((f) => readFileSync(join(dataDir(), f), 'utf8'))).toEqual(before);
    // What ran, without the plan the log lists first (its `plan:` lines name every declared command, db:setup too).
    const log = (logs('install-').pop() ?? '')
      .split('\n')
      .filter((l) => !/ INFO plan: /.test(l))
      .join('\n');
    expect(log).toContain('web bundle exec rails db:migrate');
    expect(log).not.toContain('rails db:setup');
    expect(log).not.toContain('accounts create');
    expect(sql("SELECT count(*) FROM accounts WHERE username = 'owner'")).toBe('1');
    expect(sql('SELECT count(*) FROM schema_migrations')).toBe(migrations);
    expect(await get(port, '/health')).toEqual({ status: 200, body: 'OK' });
  });

  it("links the containers' users plant in their folders are never followed by a re-run; they can't swap those folders or touch root's files", async () => {
    const target = rootTargets(root);
    const leaves = [
      ['public/system', 991, 991],
      ['postgres14', 70, 70],
      ['redis', 999, 1000],
    ] as const;
    for (const [leaf, uid, gid] of leaves) {
      const path = join(dataDir(), leaf);
      expect(asUid(uid, gid, 'ln', ['-s', target.file, join(path, 'wizard-planted')]), leaf).toBe(true);
      expect(asUid(uid, gid, 'mv', [path, `${path}.old`]), leaf).toBe(false);
      for (const f of ['.env.production', '.env', 'docker-compose.yml'])
        expect(asUid(uid, gid, 'ln', ['-s', target.file, join(dataDir(), `.${f}.wizard-planted`)])).toBe(
          false,
        );
    }
    const r = await runWizard(
      ['install', '--platform', 'mastodon', '--tls', 'none', '--offline', '--yes'],
      env,
    );
    expect(r.stderr).not.toContain('✖');
    expect(r.code).toBe(0);
    target.untouched();
    for (const [leaf, uid] of leaves)
      expect([leaf, statSync(join(dataDir(), leaf)).uid]).toEqual([leaf, uid]);
    expect(await get(port, '/health')).toEqual({ status: 200, body: 'OK' });
  });

  it('its proxy site passes nginx -t: /api/v1/streaming to the streaming port, unbuffered, / to web', () => {
    const dir = join(root, 'nginx-test');
    const domain = 'social.example.com';
    const platform = findPlatform('mastodon');
    if (!platform) throw new Error('mastodon is not registered');
    const answers = withDefaults(
      {
        platform: 'mastodon',
        domain,
        email: 'admin@example.com',
        tls: 'letsencrypt',
        port: 3105,
        extra: { streamingPort: '4105' },
      },
      platform,
    );
    const input = {
      answers,
      existing: {},
      templates: templateLoader(),
      project: 'p',
      hostPath: (p: string) => p,
      generateSecret: () => 'x',
    };
    const files = proxyFiles(input, {
      title: platform.title,
      locations: platform.proxyLocations?.(answers) ?? [],
    });
    const le = join(dir, 'letsencrypt');
    const live = join(le, 'live', domain);
    mkdirSync(live, { recursive: true });
    mkdirSync(join(le, 'dhparams'), { recursive: true });
    const quiet = { stdio: 'ignore' as const };
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        `/CN=${domain}`,
        '-keyout',
        join(live, 'privkey.pem'),
        '-out',
        join(live, 'fullchain.pem'),
      ],
      quiet,
    );
    execFileSync('cp', [join(live, 'fullchain.pem'), join(live, 'chain.pem')]);
    execFileSync(
      'openssl',
      ['dhparam', '-dsaparam', '-out', join(le, 'dhparams', 'dhparam.pem'), '2048'],
      quiet,
    );
    const confd = join(dir, 'user_conf.d');
    mkdirSync(confd);
    for (const f of files.filter((f) => f.kind === 'file' && f.path.startsWith('/data/nginx/user_conf.d/'))) {
      writeFileSync(
        join(confd, f.path.split('/').pop() ?? ''),
        (f.content ?? '').replaceAll('/etc/letsencrypt/', `${le}/`),
      );
    }
    const site = readFileSync(join(confd, `${domain}.conf`), 'utf8');
    expect(site).toMatch(
      /location \/api\/v1\/streaming \{\n\s+proxy_pass http:\/\/127\.0\.0\.1:4105;[\s\S]*?proxy_buffering off;/,
    );
    expect(site).toMatch(/location \/ \{\n\s+proxy_pass http:\/\/127\.0\.0\.1:3105;/);
    writeFileSync(
      join(dir, 'nginx.conf'),
      `pid ${dir}/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\n  access_log off;\n  include ${confd}/*.conf;\n}\n`,
    );
    const r = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
    expect(r.stderr).toContain('test is successful');
    expect(r.status).toBe(0);
  });

  it('never writes a secret to its logs', () => {
    const secrets = [
      envOf('owner.env').OWNER_PASSWORD,
      envOf('.env.production').SECRET_KEY_BASE,
      envOf('.env.production').DB_PASS,
      envOf('.env.production').ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY,
    ];
    const all = logs();
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const text of all) {
      expect(text).toContain('$ docker compose');
      for (const s of secrets) expect(text).not.toContain(s);
    }
  });
});
