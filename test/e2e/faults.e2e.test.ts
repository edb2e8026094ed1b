import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpRoot } from '../helpers/tmp.js';
import {
  containersOf,
  daemonProxy,
  down,
  expectEnvFilesWhole,
  expectNoSecretLeaks,
  faultsSetup,
  files,
  REPO,
  secretsOf,
  stateOf,
  wizard,
} from './helpers/faults.js';
import { installArgs } from './helpers/install.js';
import { makeFixtureRepo } from './helpers/standins.js';
import { freePort } from './helpers/wizard.js';

/**
 * Fault injection on the real Docker engine, one fault per test, each judged the same way: the message names
 * the cause, the exit code, no file half-written (no *.wizard-*.tmp, env files parse), secrets unchanged, and
 * a re-run after the fix succeeds. The shared daemon is never stopped or reconfigured: faults are made in
 * front of it (a socket proxy that goes away, an image reference to a closed registry port, a port held
 * by this process, a tmpfs the test fills).
 */
// The Rocket.Chat faults (a full data disk) are in faults-disk.e2e.test.ts.

faultsSetup();

describe('Mattermost: clone URL, port taken, Docker daemon gone', () => {
  let root = '';
  let repo = '';
  let port = 0;
  let secrets: Record<string, string> = {};
  const dataDir = () => join(root, 'opt/mattermost');
  const env = () => ({ WIZARD_ROOT: root, WIZARD_READY_TIMEOUT: '120' });
  const args = (repoUrl: string) => installArgs({ platform: 'mattermost', repo: repoUrl, port });

  beforeAll(async () => {
    root = tmpRoot('wizard-faults-mm-');
    repo = await makeFixtureRepo(root, 'mattermost-docker');
    port = await freePort();
  });
  afterAll(() => down(root, 'mattermost'));

  it('a clone path that does not exist: names the repository and the remedy, writes nothing in the data dir', async () => {
    const r = await wizard(args(join(root, 'nowhere.git')), env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('✖ Step failed: Clone the compose repository');
    expect(r.stderr).toMatch(/The repository does not answer: repository '.*nowhere\.git' does not exist/);
    expect(r.stderr).toContain('→ Check the URL or path');
    expect(files(dataDir())).toEqual([]);
  });

  it('a clone URL on a closed port: says it could not connect, writes nothing in the data dir, does not hang', async () => {
    const closed = await freePort();
    const started = Date.now();
    const r = await wizard(args(`http://127.0.0.1:${closed}/mattermost/docker.git`), env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `The repository does not answer: unable to access 'http://127.0.0.1:${closed}/mattermost/docker.git/': Failed to connect to 127.0.0.1 port ${closed}`,
      ),
    );
    expect(r.stderr).toContain('--repo-url with a mirror');
    expect(Date.now() - started).toBeLessThan(30_000);
    // The failed first run left a record, but nothing is installed: the re-run does not claim otherwise.
    expect(r.stderr).not.toContain('is already installed');
    expect(files(dataDir())).toEqual([]);
  });

  it('the app port taken after the preflight: names the port, keeps the written files whole', async () => {
    // Taken at the first Docker request of `docker compose up`: after the port check, before the containers.
    const holder = createNetServer();
    const sock = join(root, 'docker-port.sock');
    const proxy = await daemonProxy(
      sock,
      () => new Promise((res) => holder.listen(port, '127.0.0.1', () => res(undefined))),
    );
    const r = await wizard(args(repo), { ...env(), DOCKER_HOST: `unix://${sock}` });
    proxy.close();
    await new Promise<void>((res) => (holder.listening ? holder.close(() => res()) : res()));
    expect(proxy.fired()).toBe(true);
    expect(r.stderr).toMatch(new RegExp(`Ports +${port} free`));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `✖ Step failed: Start the containers: Error from \`docker compose .* up -d .*\` \\(exit code 1\\): Port ${port} on 127.0.0.1 is already in use`,
      ),
    );
    expect(r.stderr).toContain(`→ See what holds it with: ss -ltnp 'sport = :${port}'`);
    secrets = secretsOf('mattermost', join(dataDir(), '.env'));
    expect(Object.keys(secrets)).toEqual([
      'POSTGRES_PASSWORD',
      'MM_SQLSETTINGS_DATASOURCE',
      'ADMIN_PASSWORD',
    ]);
    expectEnvFilesWhole(dataDir(), 'mattermost', secrets);
  });

  it('the re-run once the port is free finishes with the same secrets', async () => {
    const r = await wizard(args(repo), env());
    expect(r.stderr).not.toContain('✖');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Mattermost 11.7.15 is running');
    expectEnvFilesWhole(dataDir(), 'mattermost', secrets);
    expect(secretsOf('mattermost', join(dataDir(), '.env'))).toEqual(secrets);
  });

  it('no Docker daemon at DOCKER_HOST: the preflight says it can not reach it, exit 3, nothing changed', async () => {
    // Honest for "the daemon is stopped": a socket nothing listens on is what the client meets then.
    const r = await wizard(args(repo), { ...env(), DOCKER_HOST: 'unix:///tmp/wizard-faults-none.sock' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("Can't reach the Docker daemon");
    expect(r.stderr).toContain('→ Start it: systemctl enable --now docker');
    expect(secretsOf('mattermost', join(dataDir(), '.env'))).toEqual(secrets);
  });

  it('the Docker daemon gone mid-run: says it can not reach it with the remedy; the re-run on the live daemon succeeds', async () => {
    // The shared daemon must keep running for other tests, so this run reaches it through a socket proxy
    // that is taken away once the preflight has passed: to the wizard the daemon vanishes mid-run, exactly
    // as a stopped dockerd looks to the client (connection refused / no such socket).
    const sock = join(root, 'docker-proxy.sock');
    const proxy = await daemonProxy(sock, () => 'cut');
    const r = await wizard(args(repo), { ...env(), DOCKER_HOST: `unix://${sock}` });
    proxy.close();
    expect(proxy.fired()).toBe(true);
    expect(r.stderr).toContain('✔ Docker engine          daemon answers');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Can't reach the Docker daemon at unix://${sock}`);
    expect(r.stderr).toContain(
      '→ Start it (systemctl start docker) and check DOCKER_HOST, then run the same command again',
    );
    expectEnvFilesWhole(dataDir(), 'mattermost', secrets);

    const again = await wizard(args(repo), env());
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Mattermost 11.7.15 is running');
    expect(secretsOf('mattermost', join(dataDir(), '.env'))).toEqual(secrets);
  });

  it('no generated secret in its logs or in `wizard doctor --bundle`', async () => {
    await expectNoSecretLeaks(root, 'mattermost', secrets);
  });
});

describe('Mattermost: the image registry does not answer', () => {
  let root = '';
  let repo = '';
  let port = 0;
  let registry = '';
  const images: string[] = [];
  const env = () => ({ WIZARD_ROOT: root, WIZARD_READY_TIMEOUT: '120' });
  // Not --offline: the images are pulled (from a registry that does not answer), until the fix adds it.
  const args = (...more: string[]) =>
    installArgs({ platform: 'mattermost', repo, port, offline: false, args: more });

  beforeAll(async () => {
    root = tmpRoot('wizard-faults-reg-');
    port = await freePort();
    // The fixture's images live on a registry at a closed port on this host: the daemon really tries it and is refused.
    registry = `127.0.0.1:${await freePort()}`;
    const fixture = join(REPO, 'test/e2e/fixtures/mattermost-docker/docker-compose.yml');
    const work = join(root, 'fixture');
    cpSync(join(REPO, 'test/e2e/fixtures/mattermost-docker'), work, { recursive: true });
    writeFileSync(
      join(work, 'docker-compose.yml'),
      readFileSync(fixture, 'utf8')
        .replace('image: postgres:', `image: ${registry}/postgres:`)
        .replace('image: mattermost/', `image: ${registry}/mattermost/`),
    );
    const git = (...a: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...a], {
        cwd: work,
        stdio: 'ignore',
      });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'fixture on an unreachable registry');
    repo = join(root, 'mattermost-docker.git');
    execFileSync('git', ['clone', '-q', '--bare', work, repo], { stdio: 'ignore' });
  });
  afterAll(() => {
    down(root, 'mattermost');
    for (const i of images) execFileSync('docker', ['rmi', i], { stdio: 'ignore' });
  });

  it('the pull fails: names the registry and the remedy (--offline or the network); nothing started', async () => {
    const r = await wizard(args(), env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('✖ Step failed: Pull images');
    expect(r.stderr).toContain(`Can't reach the image registry http://${registry}`);
    expect(r.stderr).toContain(
      "→ Check this server's network (DNS, proxy, firewall) to the registry; or load the images (docker load) and pass --offline.",
    );
    expect(containersOf(stateOf(root, 'mattermost').project)).toBe('');
    const dir = join(root, 'opt/mattermost');
    const secrets = secretsOf('mattermost', join(dir, '.env'));
    expectEnvFilesWhole(dir, 'mattermost', secrets);

    // The fix: the images loaded on this host (here: tagged from the stand-ins), and --offline.
    for (const [from, to] of [
      ['postgres:16-alpine', `${registry}/postgres:16-alpine`],
      [
        'mattermost/mattermost-team-edition:11.7.15',
        `${registry}/mattermost/mattermost-team-edition:11.7.15`,
      ],
    ] as const) {
      execFileSync('docker', ['tag', from, to]);
      images.push(to);
    }
    const again = await wizard(args('--offline'), env());
    expect(again.stderr).not.toContain('✖');
    expect(again.code).toBe(0);
    expect(secretsOf('mattermost', join(dir, '.env'))).toEqual(secrets);
  });
});
