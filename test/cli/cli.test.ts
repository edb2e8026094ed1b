import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { tmpRoot } from '../helpers/tmp.js';

/** The review wraps at 80 columns off a terminal, with a hanging indent: its text as one line. */
const unwrapped = (text: string) => text.replace(/\n +/g, ' ');

const CLI = join(import.meta.dirname, '../../dist/cli.js');

/** Runs the built CLI as automation does: no TTY, stdin closed. */
function wizard(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    input: '',
    // Independent of this host's Docker and of ports other stacks hold; the ports check has its own test.
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NO_COLOR: '1',
      WIZARD_IGNORE_CHECK: 'docker,compose,ports',
      ...env,
    },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const files = (root: string): string[] =>
  existsSync(root)
    ? readdirSync(root, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => join(d.parentPath, d.name).slice(root.length))
    : [];

const unpublished = ['--mongodb-port', 'none', '--nats-port', 'none', '--metrics-port', 'none'];

const install = [
  'install',
  '--platform',
  'rocketchat',
  '--domain',
  'chat.example.com',
  '--email',
  'admin@example.com',
];

describe('the CLI without a terminal', () => {
  it('prints its version alone', () => {
    const r = wizard(['--version']);
    expect(r).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('answers --help for the program and each command, with exit codes', () => {
    const top = wizard(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('install [options]');
    expect(top.stdout).toContain('status [options] [install]');
    expect(top.stdout).toContain('130  cancelled');
    const inst = wizard(['install', '--help']);
    expect(inst.stdout).toMatch(/--tls <mode>\s+letsencrypt \| selfsigned \| none/);
    expect(inst.stdout).toContain('--ignore-check <id>');
    expect(wizard(['status', '--help']).stdout).toContain('--json');
  });

  it('exits 2 naming every missing answer, and writes nothing', () => {
    const root = tmpRoot();
    const r = wizard(['install', '--email', 'admin@example.com'], { WIZARD_ROOT: root });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      'Missing answers and no terminal to ask them: --platform (or WIZARD_PLATFORM), --domain (or WIZARD_DOMAIN).',
    );
    expect(r.stderr).toContain('→ Pass them as flags');
    expect(files(root)).toEqual([]);
  });

  it.each([
    [['--domain', 'https://chat.example.com'], 'is a URL, not a domain'],
    [['--email', 'admin'], '"admin" is not an email address.'],
    [['--version', '99.0.0'], 'Rocket.Chat 99.0.0 is not a release this wizard knows (its release list: '],
    [['--tls', 'maybe'], '"maybe" is not a TLS mode.'],
    [['--data-dir', 'opt/rc'], 'is not an absolute, normalised folder path'],
  ])('exits 2 on bad input %j with one clear line and a remedy', (extra, message) => {
    const root = tmpRoot();
    const r = wizard([...install, ...extra, '--yes'], { WIZARD_ROOT: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('→');
    expect(files(root)).toEqual([]);
  });

  it.each([
    [['--domain', '0x7f000001'], {}, 'is an IP address written as a number or in a shortened form'],
    [['--domain', '2130706433'], {}, 'is an IP address written as a number or in a shortened form'],
    [['--domain', '127.1'], {}, 'is an IP address written as a number or in a shortened form'],
    [['--domain', '2130706433', '--tls', 'none'], {}, 'is an IP address written as a number'],
    [['--port', '22'], {}, 'Port 22 is a system port (below 1024).'],
    [['--ignore-check', 'bogus'], {}, '"bogus" is not a check the wizard runs.'],
    [[], { WIZARD_YES: 'n' }, '"n" is not a yes/no value for --yes (WIZARD_YES).'],
    [[], { WIZARD_IGNORE_CHECK: 'docker,bogus' }, '"bogus" is not a check the wizard runs.'],
    [[], { WIZARD_READY_TIMEOUT: 'abc' }, 'WIZARD_READY_TIMEOUT="abc" is not a whole number of seconds'],
    [[], { WIZARD_POLL_MS: 'soon' }, 'WIZARD_POLL_MS="soon" is not a whole number of milliseconds'],
  ])(
    'exits 2 on the input edge %j %j with one line, a remedy, and nothing written',
    (extra, env, message) => {
      const root = tmpRoot();
      const yes = 'WIZARD_YES' in env ? [] : ['--yes'];
      const base = (extra as string[]).includes('--domain')
        ? install.slice(0, 3).concat(install.slice(5))
        : install;
      const r = wizard([...base, ...extra, ...yes], { WIZARD_ROOT: root, ...env });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain('→');
      expect(files(root)).toEqual([]);
    },
  );

  it('refuses an answers file larger than 256 KiB by its size, at once, before parsing it', () => {
    const root = tmpRoot();
    const big = join(root, 'big.yml');
    // One 8 MB value (a 60 MB one ran the process out of memory after 94 s).
    writeFileSync(big, `platform: rocketchat\nemail: ${'a'.repeat(8 * 1024 * 1024)}\n`);
    const started = Date.now();
    const r = wizard(['install', '--answers', big, '--yes'], { WIZARD_ROOT: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`The answers file ${big} is larger than 256 KiB`);
    expect(r.stderr).toContain('→');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(files(root)).toEqual(['/big.yml']);
  });

  it('reads offline: "yes" in an answers file as yes (it was read as no), and refuses offline: maybe', () => {
    const root = tmpRoot();
    writeFileSync(join(root, 'a.yml'), 'offline: "yes"\n');
    const r = wizard([...install, '--answers', join(root, 'a.yml'), '--dry-run'], { WIZARD_ROOT: root });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Images\s+already on this host \(--offline\)/);
    writeFileSync(join(root, 'b.yml'), 'offline: maybe\n');
    const bad = wizard([...install, '--answers', join(root, 'b.yml'), '--yes'], { WIZARD_ROOT: root });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"maybe" is not a yes/no value for --offline (WIZARD_OFFLINE).');
  });

  it('refuses an SMTP password no env file can carry without printing it', () => {
    const root = tmpRoot();
    const password = `it's "$ecret\\`;
    const r = wizard(
      [
        'install',
        '--platform',
        'mastodon',
        '--domain',
        'social.example.com',
        '--email',
        'admin@example.com',
        '--smtp-host',
        'smtp.example.com',
        '--yes',
      ],
      { WIZARD_ROOT: root, WIZARD_SMTP_PASSWORD: password },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('The value of --smtp-password mixes quotes');
    expect(r.stderr).not.toContain('ecret');
    expect(files(root)).toEqual([]);
  });

  it('exits 2 on an unknown flag and suggests the right one', () => {
    const r = wizard(['install', '--domian', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--domian'");
    expect(r.stderr).toContain('--domain');
  });

  it('exits 2 on a broken or unknown-keyed answers file', () => {
    const root = tmpRoot();
    writeFileSync(join(root, 'bad.yml'), 'domain: [unclosed\n');
    writeFileSync(join(root, 'typo.yml'), 'platform: rocketchat\ndomian: chat.example.com\n');
    expect(wizard(['install', '--answers', join(root, 'bad.yml')]).stderr).toContain(
      `Can't read the answers file ${join(root, 'bad.yml')}`,
    );
    const typo = wizard(['install', '--answers', join(root, 'typo.yml')]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Unknown key "domian"');
  });

  it('takes answers from WIZARD_* variables and an answers file', () => {
    const root = tmpRoot();
    writeFileSync(join(root, 'answers.yml'), 'platform: rocketchat\ndata-dir: /srv/chat\ntls: none\n');
    const r = wizard(['install', '--answers', join(root, 'answers.yml'), '--dry-run'], {
      WIZARD_ROOT: root,
      WIZARD_DOMAIN: 'localhost',
      WIZARD_EMAIL: 'a@example.com',
      WIZARD_PORT: '3999',
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`Data directory  ${root}/srv/chat`);
    expect(r.stderr).toContain('none (app on 127.0.0.1:3999 for your own proxy)');
  });

  it('--dry-run shows every file and command, changes nothing, and keeps stdout for results', () => {
    const root = tmpRoot();
    const r = wizard([...install, '--dry-run'], { WIZARD_ROOT: root });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Dry run: what installing Rocket.Chat would do');
    expect(r.stderr).toContain(`create 0600 ${root}/opt/rocketchat/.env`);
    expect(r.stderr).toContain(`${root}/data/nginx/user_conf.d/chat.example.com.conf`);
    expect(r.stderr).toMatch(
      /\[dry run\] would run: git clone --quiet --branch main -- https:\/\/github.com\/RocketChat\/rocketchat-compose.git/,
    );
    expect(r.stderr).toContain('Dry run: nothing was changed.');
    expect(files(root).filter((f) => !f.startsWith('/var/log/wizard/'))).toEqual([]);
    // No terminal, no width: a command of the plan is one line, however long (a CI log is read by grep).
    expect(r.stderr).toMatch(
      /^ +docker compose --project-name \S+ --project-directory \S+\/opt\/rocketchat -f \S+ .* up -d --remove-orphans\b.*$/m,
    );
  });

  it('--dry-run --offline never claims a pull: no pull step, no pull command, Compose told not to pull', () => {
    const root = tmpRoot();
    const r = wizard([...install, '--offline', '--dry-run'], { WIZARD_ROOT: root });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Images          already on this host (--offline)');
    expect(r.stderr).toMatch(/\[dry run\] would run: docker compose .* up -d --remove-orphans --pull never/);
    expect(r.stderr).not.toMatch(/pull(?! never)/i);
  });

  it('refuses to go ahead without --yes when there is no terminal to ask', () => {
    const root = tmpRoot();
    const r = wizard(install, { WIZARD_ROOT: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Pass --yes (or WIZARD_YES=1)');
    expect(files(root).filter((f) => !f.startsWith('/var/log/wizard/'))).toEqual([]);
    // Without a terminal the review counts the plan and names the log that lists it (the CI log stays short).
    expect(r.stderr).toMatch(/Files +\d+ \(\d+ to create\); the log lists them/);
    expect(r.stderr).toMatch(/Commands +\d+; the log lists them \(so does --dry-run\)/);
    expect(r.stderr).not.toContain('git clone');
    const logPath = r.stderr.match(/^ {2}Log +(\S+\.log)$/m)?.[1];
    expect(logPath).toMatch(new RegExp(`^${root}/var/log/wizard/install-`));
    const log = readFileSync(logPath as string, 'utf8');
    expect(log).toMatch(/INFO plan: file create 0600 \S+\/opt\/rocketchat\/\.env: .*\(secret: not shown\)$/m);
    expect(log).toMatch(
      /INFO plan: command 1: clone the compose repository .*: git clone --quiet --branch main -- https:\/\/github.com\/RocketChat\/rocketchat-compose.git \S+\/opt\/rocketchat$/m,
    );
  });

  describe('with a port taken', () => {
    let server: Server;
    let port = 0;
    beforeAll(async () => {
      server = createServer();
      await new Promise<void>((res) => server.listen(0, '0.0.0.0', () => res()));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => server.close());

    it('exits 3 on a failed prerequisite, naming it and the flag that ignores it', () => {
      const root = tmpRoot();
      // MongoDB, NATS and metrics left unpublished: only the app port is judged, whatever else runs here.
      const r = wizard([...install, ...unpublished, '--tls', 'none', '--port', String(port), '--yes'], {
        WIZARD_ROOT: root,
        WIZARD_IGNORE_CHECK: 'docker,compose',
      });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`✖ Ports\\s+in use: ${port} by`));
      expect(r.stderr).toContain(`Or use other ports: --port ${port + 1}.`);
      expect(r.stderr).toContain('--ignore-check ports');
      expect(files(root).filter((f) => !f.startsWith('/var/log/wizard/'))).toEqual([]);
      const log = files(root).find((f) => f.startsWith('/var/log/wizard/install-'));
      expect(r.stderr).toContain(`Log: ${root}${log}`);
    });

    it('goes on when that check is ignored, and logs that it was', () => {
      const root = tmpRoot();
      const r = wizard(
        [...install, '--tls', 'none', '--port', String(port), '--ignore-check', 'ports', '--dry-run'],
        { WIZARD_ROOT: root, WIZARD_IGNORE_CHECK: 'docker,compose' },
      );
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('(ignored: --ignore-check ports)');
    });
  });

  it('gives a second install the next free app port, and says so in the review', () => {
    const root = tmpRoot();
    const rc = {
      name: 'rocketchat',
      platform: 'rocketchat',
      domain: 'chat.example.com',
      email: 'a@example.com',
      dataDir: '/opt/rocketchat',
      release: '8.0.1',
      tls: 'letsencrypt',
      port: 3000,
      repoUrl: 'x',
      project: 'rocketchat',
      composeFiles: [],
      status: 'installed',
      journal: {},
      createdAt: '2026-11-22T00:00:00Z',
      updatedAt: '2026-11-22T00:00:00Z',
    };
    mkdirSync(join(root, 'var/lib/wizard'), { recursive: true });
    writeFileSync(
      join(root, 'var/lib/wizard/state.json'),
      JSON.stringify({ schema: 1, installs: { rocketchat: rc } }),
    );
    const r = wizard(
      [
        'install',
        '--platform',
        'mastodon',
        '--domain',
        'social.example.com',
        '--email',
        'a@example.com',
        '--dry-run',
      ],
      { WIZARD_ROOT: root },
    );
    expect(r.code).toBe(0);
    expect(unwrapped(r.stderr)).toContain(
      'Port 3000 belongs to another install on this host: this one uses 3001 (--port sets it).',
    );
    expect(r.stderr).toMatch(/App port\s+127\.0\.0\.1:3001/);
  });

  it("moves a second Rocket.Chat install's MongoDB, NATS and metrics ports along too", () => {
    const root = tmpRoot();
    const rc = {
      name: 'rocketchat',
      platform: 'rocketchat',
      domain: 'chat.example.com',
      email: 'a@example.com',
      dataDir: '/opt/rocketchat',
      release: '8.0.1',
      tls: 'letsencrypt',
      port: 3000,
      repoUrl: 'x',
      project: 'rocketchat',
      composeFiles: [],
      status: 'installed',
      journal: {},
      createdAt: '2026-11-22T00:00:00Z',
      updatedAt: '2026-11-22T00:00:00Z',
    };
    mkdirSync(join(root, 'var/lib/wizard'), { recursive: true });
    writeFileSync(
      join(root, 'var/lib/wizard/state.json'),
      JSON.stringify({ schema: 1, installs: { rocketchat: rc } }),
    );
    const r = wizard(
      [
        'install',
        '--platform',
        'rocketchat',
        '--name',
        'team2',
        '--data-dir',
        '/opt/team2',
        '--domain',
        'team2.example.com',
        '--email',
        'a@example.com',
        '--dry-run',
      ],
      { WIZARD_ROOT: root },
    );
    expect(r.code).toBe(0);
    expect(unwrapped(r.stderr)).toContain(
      'The MongoDB port 27017 belongs to another install on this host: this one uses 27018 (--mongodb-port sets it).',
    );
    expect(unwrapped(r.stderr)).toContain(
      'The NATS port 4222 belongs to another install on this host: this one uses 4223 (--nats-port sets it).',
    );
    expect(unwrapped(r.stderr)).toContain(
      'The Prometheus metrics port 9458 belongs to another install on this host: this one uses 9459 (--metrics-port sets it).',
    );
    expect(r.stderr).toMatch(/Other ports\s+127\.0\.0\.1: Prometheus metrics 9459, MongoDB 27018, NATS 4223/);
  });

  it('status: each install once by name, with its platform, release and the URL users open', () => {
    const root = tmpRoot();
    const record = {
      email: 'a@example.com',
      release: '8.0.1',
      repoUrl: 'x',
      composeFiles: [],
      status: 'installed',
      journal: {},
      createdAt: '2026-11-22T00:00:00Z',
      updatedAt: '2026-11-22T00:00:00Z',
    };
    const installs = {
      rocketchat: {
        ...record,
        name: 'rocketchat',
        platform: 'rocketchat',
        domain: 'localhost',
        dataDir: '/opt/rocketchat',
        tls: 'none',
        port: 3100,
        project: 'rocketchat',
      },
      team: {
        ...record,
        name: 'team',
        platform: 'mattermost',
        release: '11.7.15',
        domain: 'team.example.com',
        dataDir: '/opt/team',
        tls: 'letsencrypt',
        port: 8065,
        project: 'team',
      },
    };
    mkdirSync(join(root, 'var/lib/wizard'), { recursive: true });
    writeFileSync(join(root, 'var/lib/wizard/state.json'), JSON.stringify({ schema: 1, installs }));
    const r = wizard(['status'], { WIZARD_ROOT: root });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('rocketchat  Rocket.Chat 8.0.1 (installed)');
    expect(lines).toContain('  http://localhost:3100');
    expect(lines).toContain('team  Mattermost 11.7.15 (installed)');
    expect(lines).toContain('  https://team.example.com');
    expect(r.stdout).not.toMatch(/rocketchat rocketchat/);
    const json = JSON.parse(wizard(['status', '--json'], { WIZARD_ROOT: root }).stdout);
    expect(json.installs.map((i: { url: string }) => i.url)).toEqual([
      'http://localhost:3100',
      'https://team.example.com',
    ]);
  });

  it('status: no installs, as text and JSON', () => {
    const root = tmpRoot();
    expect(wizard(['status'], { WIZARD_ROOT: root }).stdout).toContain('No installs on this host yet.');
    const r = wizard(['status', '--json'], { WIZARD_ROOT: root });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      run: null,
      stateFile: `${root}/var/lib/wizard/state.json`,
      installs: [],
    });
    const missing = wizard(['status', 'nope'], { WIZARD_ROOT: root });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('No install named or serving "nope".');
  });
});
