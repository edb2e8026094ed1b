import { execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer as createNetServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/core/envfile.js';
import { platforms } from '../../steps/index.js';
import { tmpRoot } from '../helpers/tmp.js';
import { dockerAvailable, ensureStandinImages, makeFixtureRepo } from './helpers/standins.js';
import { CLI, freePort } from './helpers/wizard.js';

/**
 * Fault injection on the real Docker engine, one fault per test, each judged the same way: the message names
 * the cause, the exit code, no file half-written (no *.wizard-*.tmp, env files parse), secrets unchanged, and
 * a re-run after the fix succeeds. The shared daemon is never stopped or reconfigured: faults are made in
 * front of it (a socket proxy that goes away, an image reference to a closed registry port, a port held
 * by this process, a tmpfs the test fills).
 */

// Other engineers rebuild dist/ while this suite runs (esbuild empties it first): run a private copy,
// with assets/ and package.json beside it as the wizard expects.
const REPO = join(import.meta.dirname, '../..');
let cli = CLI;
function privateCli(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wizard-faults-cli-'));
  cpSync(join(REPO, 'dist'), join(dir, 'dist'), { recursive: true });
  symlinkSync(join(REPO, 'assets'), join(dir, 'assets'));
  symlinkSync(join(REPO, 'package.json'), join(dir, 'package.json'));
  return join(dir, 'dist/cli.js');
}

type Run = { code: number | null; stdout: string; stderr: string };
/** Runs the wizard without a terminal; `onStderr` sees the stderr so far (to inject a fault at a given moment). */
function wizard(
  args: string[],
  env: Record<string, string>,
  onStderr?: (soFar: string) => void,
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        NO_COLOR: '1',
        WIZARD_POLL_MS: '500',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      onStderr?.(stderr);
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every file under dir (recursive, relative). */
const files = (dir: string): string[] =>
  existsSync(dir) ? (readdirSync(dir, { recursive: true }) as string[]) : [];
const tmpLeft = (dir: string) => files(dir).filter((f) => /\.wizard-(?:\d+\.)?tmp$/.test(f));
const envValues = (path: string) => parseEnv(readFileSync(path, 'utf8')).values;
const secretsOf = (platformId: string, envPath: string): Record<string, string> => {
  const keys = platforms.find((p) => p.id === platformId)?.secretKeys ?? [];
  const values = envValues(envPath);
  return Object.fromEntries(keys.filter((k) => values[k]).map((k) => [k, values[k] as string]));
};
/** The env files under dir (.env and .env.bak) all parse, and hold the same secrets. */
function expectEnvFilesWhole(dir: string, platformId: string, secrets: Record<string, string>) {
  expect(tmpLeft(dir)).toEqual([]);
  for (const f of ['.env', '.env.bak']) {
    if (!existsSync(join(dir, f))) continue;
    const s = secretsOf(platformId, join(dir, f));
    for (const [k, v] of Object.entries(secrets)) if (s[k] !== undefined) expect(s[k], `${f} ${k}`).toBe(v);
  }
}
const stateOf = (root: string, name: string) =>
  JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8')).installs[name];
const containersOf = (project: string) =>
  execFileSync('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`], {
    encoding: 'utf8',
  }).trim();
function down(root: string, name: string) {
  try {
    const r = stateOf(root, name);
    const fs = (r.composeFiles as string[]).flatMap((f) => ['-f', f]);
    const dir = join(root, r.dataDir);
    execFileSync(
      'docker',
      [
        'compose',
        '--project-name',
        r.project,
        '--project-directory',
        dir,
        ...fs,
        'down',
        '--volumes',
        '--remove-orphans',
        '--timeout',
        '2',
      ],
      { cwd: dir, stdio: 'ignore' },
    );
  } catch {
    // nothing was started
  }
}

async function waitPortsFree(ports: number[], timeoutMs: number): Promise<void> {
  const free = (port: number) =>
    new Promise<boolean>((res) => {
      const s = createNetServer();
      s.once('error', () => res(false));
      s.listen(port, '0.0.0.0', () => s.close(() => res(true)));
    });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await Promise.all(ports.map(free))).every(Boolean)) return;
    await new Promise((res) => setTimeout(res, 2000));
  }
  throw new Error(
    `Ports ${ports.join(', ')} stayed in use for ${timeoutMs / 1000} s (another Rocket.Chat stack runs).`,
  );
}

/**
 * A Docker API socket in front of the real one. The preflight's requests (`docker version`: /_ping, /version)
 * pass; at the first other request (the start of `docker compose up`), before it is forwarded, `onWork`
 * runs: it may inject a fault (take a port), or return 'cut' to take the socket away — to the wizard the
 * daemon is gone, exactly as a stopped dockerd looks to the client. Deterministic: no race with the output.
 */
async function daemonProxy(
  path: string,
  onWork: () => 'cut' | undefined | Promise<'cut' | undefined>,
): Promise<{ close: () => void; fired: () => boolean }> {
  const target = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
  const open = new Set<Socket>();
  let fired = false;
  let gone = false;
  const close = () => {
    gone = true;
    server.close();
    for (const s of open) s.destroy();
    rmSync(path, { force: true });
  };
  const server: Server = createNetServer((client) => {
    if (gone) return void client.destroy();
    const upstream = connect(target);
    open.add(client).add(upstream);
    client.on('data', async (chunk: Buffer) => {
      const request = /^[A-Z]+ (?:\/v[\d.]+)?(\/[^ ?]*)/.exec(chunk.toString('latin1'));
      if (!fired && request && !['/_ping', '/version'].includes(request[1] ?? '')) {
        fired = true;
        client.pause();
        if ((await onWork()) === 'cut') return close();
        client.resume();
      }
      if (!gone) upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((res) => server.listen(path, res));
  return { close, fired: () => fired };
}

afterAll(() => {
  if (cli !== CLI) rmSync(join(cli, '../..'), { recursive: true, force: true });
});

beforeAll(async () => {
  if (!(await dockerAvailable()))
    throw new Error('No Docker engine answers: the e2e suite needs one (run .ci/setup-docker.sh).');
  await ensureStandinImages();
  cli = privateCli();
});

describe('Mattermost: clone URL, port taken, Docker daemon gone', () => {
  let root = '';
  let repo = '';
  let port = 0;
  let secrets: Record<string, string> = {};
  const dataDir = () => join(root, 'opt/mattermost');
  const env = () => ({ WIZARD_ROOT: root, WIZARD_READY_TIMEOUT: '120' });
  const args = (repoUrl: string) => [
    'install',
    '--platform',
    'mattermost',
    '--domain',
    'localhost',
    '--email',
    'admin@example.com',
    '--tls',
    'none',
    '--offline',
    '--yes',
    '--repo-url',
    repoUrl,
    '--port',
    String(port),
  ];

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
    expect(r.stderr).toContain(`Ports       ${port} free`);
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

async function expectNoSecretLeaks(root: string, name: string, secrets: Record<string, string>) {
  expect(Object.keys(secrets).length).toBeGreaterThan(0);
  const bundle = join(root, `${name}-bundle.tar.gz`);
  const d = await wizard(['doctor', name, '--bundle', bundle], { WIZARD_ROOT: root });
  expect(d.stderr).toContain(`Wrote ${bundle}`);
  const out = join(root, `${name}-bundle`);
  mkdirSync(out);
  execFileSync('tar', ['-xzf', bundle, '-C', out]);
  const sources: [string, string][] = [
    ...files(join(root, 'var/log/wizard')).map((f): [string, string] => [
      `log ${f}`,
      join(root, 'var/log/wizard', f),
    ]),
    ...files(out).map((f): [string, string] => [`bundle ${f}`, join(out, f)]),
  ];
  const texts = sources.flatMap(([label, path]): [string, string][] => {
    try {
      return [[label, readFileSync(path, 'utf8')]];
    } catch {
      return []; // a folder
    }
  });
  expect(texts.some(([l]) => l.startsWith('bundle wizard-logs/'))).toBe(true);
  expect(texts.some(([l]) => l.startsWith('log '))).toBe(true);
  for (const [label, text] of texts)
    for (const [k, v] of Object.entries(secrets)) expect(text.includes(v), `${k} in ${label}`).toBe(false);
}

describe('Mattermost: the image registry does not answer', () => {
  let root = '';
  let repo = '';
  let port = 0;
  let registry = '';
  const images: string[] = [];
  const env = () => ({ WIZARD_ROOT: root, WIZARD_READY_TIMEOUT: '120' });
  const args = (...more: string[]) => [
    'install',
    '--platform',
    'mattermost',
    '--domain',
    'localhost',
    '--email',
    'admin@example.com',
    '--tls',
    'none',
    '--yes',
    '--repo-url',
    repo,
    '--port',
    String(port),
    ...more,
  ];

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

describe('Rocket.Chat: a full disk while writing, and no secret in logs or bundle', () => {
  let root = '';
  let repo = '';
  let port = 0;
  let secrets: Record<string, string> = {};
  let mounted = false;
  const dataDir = () => join(root, 'opt/rocketchat');
  const env = () => ({ WIZARD_ROOT: root, WIZARD_READY_TIMEOUT: '240' });
  // The data disk is small on purpose: its free-space check is ignored (the wizard says so in the log).
  const args = () => [
    'install',
    '--platform',
    'rocketchat',
    '--domain',
    'localhost',
    '--email',
    'admin@example.com',
    '--tls',
    'none',
    '--offline',
    '--yes',
    '--ignore-check',
    'disk',
    '--repo-url',
    repo,
    '--port',
    String(port),
  ];

  beforeAll(async () => {
    // Rocket.Chat's stack publishes 27017, 4222 and 9458 on fixed ports: wait for another Rocket.Chat test
    // (another file, another engineer's run) to finish with them.
    await waitPortsFree([27017, 4222, 9458], 300_000);
    root = tmpRoot('wizard-faults-rc-');
    repo = await makeFixtureRepo(root, 'rocketchat-compose');
    port = await freePort();
    // The data dir is a small tmpfs of its own (Rocket.Chat keeps its database in a named volume, not here).
    mkdirSync(dataDir(), { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0755', 'tmpfs', dataDir()]);
    mounted = true;
  });
  afterAll(() => {
    down(root, 'rocketchat');
    if (mounted) execFileSync('umount', ['-l', dataDir()]);
  });

  it('installs on the small data disk', async () => {
    const r = await wizard(args(), env());
    expect(r.stderr).not.toContain('✖');
    expect(r.code).toBe(0);
    secrets = secretsOf('rocketchat', join(dataDir(), '.env'));
    expect(Object.keys(secrets)).toContain('ADMIN_PASS');
  });

  it('the disk full while writing .env: a clear error, the previous .env intact, nothing half-written; the re-run after freeing space succeeds', async () => {
    // A change the wizard must write back: the user dropped ROOT_URL and added a key of their own.
    const envPath = join(dataDir(), '.env');
    const edited = `${readFileSync(envPath, 'utf8').replace(/^ROOT_URL=.*\n/m, '')}MY_OWN=keep\n`;
    writeFileSync(envPath, edited);
    const filler = join(dataDir(), 'filler');
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'ignore' });
    } catch {
      // dd stops with ENOSPC: the disk is full
    }
    const r = await wizard(args(), env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /✖ Step failed: Write .*: No space left on the disk holding .*opt\/rocketchat: .*\.env was not written \(its previous version is intact\)\./,
    );
    expect(r.stderr).toContain('→ Free space there (df -h');
    expect(readFileSync(envPath, 'utf8')).toBe(edited);
    expectEnvFilesWhole(dataDir(), 'rocketchat', secrets);

    rmSync(filler);
    const again = await wizard(args(), env());
    expect(again.stderr).not.toContain('✖');
    expect(again.code).toBe(0);
    const values = envValues(envPath);
    expect(values).toMatchObject({ MY_OWN: 'keep', ROOT_URL: `http://localhost:${port}` });
    expect(secretsOf('rocketchat', envPath)).toEqual(secrets);
    expectEnvFilesWhole(dataDir(), 'rocketchat', secrets);
  });

  it('no generated secret in its logs or in `wizard doctor --bundle`', async () => {
    await expectNoSecretLeaks(root, 'rocketchat', secrets);
  });
});
