import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/core/envfile.js';
import { tmpRoot } from '../helpers/tmp.js';
import { installArgs } from './helpers/install.js';
import { dockerAvailable, ensureStandinImages } from './helpers/standins.js';
import { freePort, runWizard } from './helpers/wizard.js';

/**
 * Mastodon upgrades on the real engine (4.4.8 → 4.5.11, the stand-in images): --check, the upgrade with its pg_dump
 * backup and the migrations in Mastodon's order, the owner kept, and a restore with pg_restore.
 */
describe('wizard upgrade Mastodon end to end', () => {
  let root = '';
  let port = 0;
  let streaming = 0;
  let env: Record<string, string> = {};
  let migrationsBefore = 0;
  const dataDir = () => join(root, 'opt/mastodon');
  const envOf = (file: string) => parseEnv(readFileSync(join(dataDir(), file), 'utf8')).values;
  const state = () =>
    JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8')).installs.mastodon;
  const compose = (...a: string[]) =>
    execFileSync(
      'docker',
      [
        'compose',
        '--project-name',
        state().project,
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
  /** The version Mastodon reports, asked for its own domain as the proxy asks. */
  const instanceVersion = () =>
    new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/v1/instance',
          headers: { host: 'localhost', 'x-forwarded-proto': 'https' },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => {
            body += c.toString();
          });
          res.on('end', () => resolve((JSON.parse(body) as { version: string }).version));
        },
      );
      req.on('error', reject);
      req.end();
    });
  /** The owner can still log in: its row holds the hash of the password the install handed out. */
  const ownerPasswordHash = () =>
    sql("SELECT encrypted_password FROM users WHERE email = 'admin@example.com'");
  const expectedHash = () =>
    `sha256:${createHash('sha256')
      .update(envOf('owner.env').OWNER_PASSWORD ?? '')
      .digest('hex')}`;

  beforeAll(async () => {
    if (!(await dockerAvailable()))
      throw new Error('No Docker engine answers: the e2e suite needs one (run .ci/setup-docker.sh).');
    await ensureStandinImages();
    root = tmpRoot('wizard-upgrade-mastodon-');
    port = await freePort();
    do streaming = await freePort();
    while (streaming === port);
    env = { WIZARD_ROOT: root, WIZARD_READY_TIMEOUT: '60' };
    const r = await runWizard(
      installArgs({ platform: 'mastodon', version: '4.4.8', port, streamingPort: streaming }),
      env,
    );
    if (r.code !== 0) throw new Error(`install failed: ${r.stderr}`);
  }, 90_000);

  afterAll(() => {
    try {
      compose('down', '--volumes', '--remove-orphans', '--timeout', '2');
    } catch {
      // nothing was started
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('--check exits 10 and names the next minor series with the release notes', async () => {
    expect(envOf('.env').MASTODON_VERSION).toBe('4.4.8');
    expect(await instanceVersion()).toBe('4.4.8');
    const r = await runWizard(['upgrade', '--check'], env);
    expect(r.code, r.stderr).toBe(10);
    expect(r.stdout).toContain(
      'Mastodon 4.4.8 → 4.5.11 can be installed (newest: 4.5.11). Release notes: https://github.com/mastodon/mastodon/releases',
    );
  });

  it('upgrades: pg_dump backup, pre-deployment migrations, up -d, post-deployment migrations, the new version answering', async () => {
    migrationsBefore = Number(sql('SELECT count(*) FROM schema_migrations'));
    const r = await runWizard(['upgrade', '--yes', '--offline'], env);
    expect(r.stderr).not.toContain('✖');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/✔ Mastodon upgraded: 4\.4\.8 → 4\.5\.11 \(backup: .*\.tar\)/);
    expect(await instanceVersion()).toBe('4.5.11');
    expect(envOf('.env').MASTODON_VERSION).toBe('4.5.11');
    expect(compose('images', '--format', 'json')).toContain('v4.5.11');
    expect(ownerPasswordHash()).toBe(expectedHash());
    // 4.5's migrations ran, the post-deployment ones included.
    expect(Number(sql('SELECT count(*) FROM schema_migrations'))).toBe(migrationsBefore + 2);
    // The order, from the wizard's log of commands.
    const log = execFileSync('sh', ['-c', `cat ${join(root, 'var/log/wizard')}/upgrade-*`], {
      encoding: 'utf8',
    });
    const at = (re: RegExp) => log.search(re);
    expect(at(/SKIP_POST_DEPLOYMENT_MIGRATIONS=true web bundle exec rails db:migrate/)).toBeGreaterThan(0);
    expect(at(/SKIP_POST_DEPLOYMENT_MIGRATIONS=true web bundle exec rails db:migrate/)).toBeLessThan(
      at(/ up -d --remove-orphans --pull never/),
    );
    expect(at(/ up -d --remove-orphans --pull never/)).toBeLessThan(
      at(/run --rm -T web bundle exec rails db:migrate/),
    );
    const backup = state().history.at(-1).backup as string;
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    const listing = execFileSync('tar', ['-tf', backup], { encoding: 'utf8' });
    expect(listing).toContain('postgres.dump');
    expect(listing).toContain('files/opt/mastodon/.env');
    expect(state()).toMatchObject({ release: '4.5.11' });
  });

  it('wizard restore puts 4.4.8 and its database back with pg_restore; the owner is still there', async () => {
    const backup = state().history.at(-1).backup as string;
    const r = await runWizard(['restore', backup, '--yes'], env);
    expect(r.stderr).not.toContain('✖');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`✔ mastodon restored to Mastodon 4.4.8 from ${backup}.`);
    expect(envOf('.env').MASTODON_VERSION).toBe('4.4.8');
    expect(await instanceVersion()).toBe('4.4.8');
    expect(ownerPasswordHash()).toBe(expectedHash());
    // The database is the dump's again: 4.5's migrations are gone.
    expect(Number(sql('SELECT count(*) FROM schema_migrations'))).toBe(migrationsBefore);
    expect(state().release).toBe('4.4.8');
  });
});
