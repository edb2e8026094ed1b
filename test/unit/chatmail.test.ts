import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Listr } from 'listr2';
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../src/commands/deps.js';
import { installCommand } from '../../src/commands/install.js';
import { buildPlan, reviewProps } from '../../src/commands/plan.js';
import { resolveAnswers, withDefaults } from '../../src/core/answers.js';
import { type HostProbe, portsCheck } from '../../src/core/checks.js';
import type { FileStore, InstallContext } from '../../src/core/context.js';
import { parseEnv } from '../../src/core/envfile.js';
import { ExitCode, UserError } from '../../src/core/errors.js';
import { formatCommand } from '../../src/core/plan.js';
import { runChecks } from '../../src/engine/run-checks.js';
import { stepTask } from '../../src/engine/step-task.js';
import { templateLoader } from '../../src/system/assets.js';
import { RealFileStore } from '../../src/system/files.js';
import { CHATMAIL_PORTS, chatmailChecks, PORT_USE, PORTS_REMEDY } from '../../steps/chatmail/checks.js';
import {
  neededRecords,
  parseRelayDnsCheck,
  relayDnsSnippet,
  serverAddresses,
} from '../../steps/chatmail/dns.js';
import { findPlatform, platforms } from '../../steps/index.js';
import { createMockContext, createMockJournal, createMockRunner } from '../helpers/factories.js';
import type { FakeRow } from '../helpers/fake-runner.js';
import { expectGolden } from '../helpers/golden.js';
import { tmpRoot } from '../helpers/tmp.js';

const found = findPlatform('chatmail');
if (!found) throw new Error('chatmail is not registered in steps/index.ts');
const chatmail = found;
const templates = templateLoader();

/** A host described by a table of facts, as recorded on real machines. */
function probe(facts: Partial<HostProbe> = {}): HostProbe {
  return {
    osRelease: async () => ({
      ID: 'debian',
      VERSION_ID: '12',
      PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)',
    }),
    arch: () => 'x64',
    uid: () => 0,
    memoryMiB: () => 2048,
    diskFreeGiB: async () => 40,
    portHolder: async () => undefined,
    dockerServerVersion: async () => ({ version: '27.3.1' }),
    composeVersion: async () => '2.29.7',
    cgroupV2: async () => true,
    gitVersion: async () => '2.39.5',
    resolve: async () => ({ a: [], aaaa: [], error: 'ENOTFOUND' }),
    resolveCname: async () => ({ cname: [] }),
    publicAddresses: async () => ['203.0.113.7', '10.0.0.5', '2001:db8::7', 'fd00::5'],
    ...facts,
  };
}

const answersFor = (over: Partial<Parameters<typeof withDefaults>[0]> = {}) =>
  withDefaults(
    { platform: 'chatmail', domain: 'chat.example.org', email: 'admin@example.org', extra: {}, ...over },
    chatmail,
  );

/** `cmdeploy dns --ssh-host @local` on a fresh relay, as chatmail/relay's dns.py prints it (stdout, then stderr). */
const DKIM = 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAv3Xg'.padEnd(392, 'A');
const DNS_STDOUT = `chat.example.org.                        3600   IN  MX     10 chat.example.org.
_mta-sts.chat.example.org.               3600   IN  TXT    "v=STSv1; id=202611220226"
opendkim._domainkey.chat.example.org.    3600   IN  TXT    "v=DKIM1;k=rsa;p=${DKIM.slice(0, 200)}" "${DKIM.slice(200)};s=email;t=s"

If the DKIM entry above does not work with your DNS provider, you can try this one:

opendkim._domainkey.chat.example.org.    3600   IN  TXT    "v=DKIM1;k=rsa;p=${DKIM};s=email;t=s"

WARNING: these recommended DNS entries are not set:

chat.example.org.                        3600   IN  TXT    "v=spf1 a ~all"
_dmarc.chat.example.org.                 3600   IN  TXT    "v=DMARC1;p=reject;adkim=s;aspf=s"
chat.example.org.                        3600   IN  CAA    0 issue "letsencrypt.org;accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/2061234567"
_adsp._domainkey.chat.example.org.       3600   IN  TXT    "dkim=discardable"
_submission._tcp.chat.example.org.       3600   IN  SRV    0 1 587 chat.example.org.
_submissions._tcp.chat.example.org.      3600   IN  SRV    0 1 465 chat.example.org.
_imap._tcp.chat.example.org.             3600   IN  SRV    0 1 143 chat.example.org.
_imaps._tcp.chat.example.org.            3600   IN  SRV    0 1 993 chat.example.org.
`;
const DNS_STDERR =
  'Collecting initial DNS settings..........\nCheck expected zone file entries.............\n\u001b[31mPlease set required DNS entries at your DNS provider:\n\u001b[0m\n';

describe('the chatmail plan', () => {
  function setup() {
    const root = tmpRoot();
    const files = new RealFileStore((p) => join(root, p));
    const deps = {
      files,
      templates,
      hostPath: (p: string) => `/ROOT${p}`,
      project: 'chatmail',
      proxyProject: 'wizard-proxy',
    };
    return { root, files, deps };
  }

  it('renders the sysctl file, .env and the commands (golden), and no proxy whatever --tls says', async () => {
    const { root, deps } = setup();
    const { plan } = await buildPlan(chatmail, answersFor(), deps);
    expect(plan.files.map((f) => [f.path, f.mode])).toEqual([
      ['/etc/sysctl.d/99-inotify.conf', 0o644],
      ['/opt/chatmail/.env', 0o600],
    ]);
    expectGolden('chatmail.99-inotify.conf', plan.files[0]?.content ?? '');
    expectGolden('chatmail.env', plan.files[1]?.content ?? '');
    expectGolden(
      'chatmail.commands.txt',
      `${plan.commands.map((c) => `${formatCommand(c)}  # ${c.description}${c.when ? ` [${c.when}]` : ''}`.replaceAll(root, '/ROOT')).join('\n')}\n`,
    );
    expect(parseEnv(plan.files[1]?.content ?? '').values).toEqual({
      MAIL_DOMAIN: 'chat.example.org',
      ACME_EMAIL: 'admin@example.org',
      CHATMAIL_IMAGE: 'ghcr.io/chatmail/docker:1.12.0',
      COMPOSE_PROJECT_NAME: 'chatmail',
    });
    expect(plan.commands.map((c) => c.file + c.args.join(' '))).not.toContainEqual(
      expect.stringMatching(/nginx|wizard-proxy/),
    );
  });

  it('shows the relay terminating TLS itself and its host ports in the review', async () => {
    const { deps, files } = setup();
    const answers = answersFor();
    const built = await buildPlan(chatmail, answers, deps);
    const rows = Object.fromEntries(reviewProps(chatmail, answers, built, { files }, [], false).answers);
    expect(rows.TLS).toBe("Let's Encrypt, by Chatmail relay itself (no shared proxy)");
    expect(rows['Host ports']).toBe('25, 53, 80, 143, 443, 465, 587, 993');
    expect(rows['App port']).toBeUndefined();
  });

  it('on the host itself (no WIZARD_ROOT) applies the sysctl file before the containers start', async () => {
    const { files: staged } = setup();
    // On the host itself real paths are the logical ones.
    const files: FileStore = {
      real: (p) => p,
      readText: (p) => staged.readText(p),
      exists: (p) => staged.exists(p),
      write: (s) => staged.write(s),
    };
    const { plan } = await buildPlan(chatmail, answersFor(), {
      files,
      templates,
      hostPath: (p) => p,
      project: 'chatmail',
      proxyProject: 'wizard-proxy',
    });
    expect(plan.commands.map((c) => `${formatCommand(c)}  # ${c.description}`).slice(1, 3)).toEqual([
      'sysctl -p /etc/sysctl.d/99-inotify.conf  # apply the inotify limits',
      expect.stringMatching(/^docker compose .* pull {2}# pull images$/),
    ]);
    expect(plan.files[0]?.description).toBe('inotify limits the relay needs (applied with sysctl -p)');
  });

  it('keeps other sysctl lines and never lowers a higher limit', async () => {
    const { root, deps } = setup();
    mkdirSync(join(root, 'etc/sysctl.d'), { recursive: true });
    writeFileSync(
      join(root, 'etc/sysctl.d/99-inotify.conf'),
      '# mine\nvm.swappiness = 10\nfs.inotify.max_user_watches = 524288\n',
    );
    const { plan } = await buildPlan(chatmail, answersFor(), deps);
    expect(plan.files[0]?.content).toBe(
      `# mine\nvm.swappiness = 10\nfs.inotify.max_user_watches = 524288\n\n${templates('chatmail/99-inotify.conf').trimEnd()}\nfs.inotify.max_user_instances=65536\n`,
    );
  });

  it("renders the records the domain needs in zone-file form with this server's addresses", () => {
    const t = templates('chatmail/dns.zone');
    const addrs = serverAddresses(['10.0.0.5', '203.0.113.7', 'fe80::1', 'fd00::5', '2001:db8::7']);
    expect(addrs).toEqual({ ipv4: '203.0.113.7', ipv6: '2001:db8::7' });
    expectGolden('chatmail.dns.zone', neededRecords(t, 'chat.example.org', addrs));
    expect(neededRecords(t, 'chat.example.org', serverAddresses(['203.0.113.7']))).toBe(
      'chat.example.org. 3600 IN A 203.0.113.7\nwww.chat.example.org. 3600 IN CNAME chat.example.org.\nmta-sts.chat.example.org. 3600 IN CNAME chat.example.org.\n',
    );
    expect(serverAddresses(['192.168.1.20'])).toEqual({ ipv4: '192.168.1.20', ipv4Private: true });
    expect(neededRecords(t, 'chat.example.org', {}).split('\n')[0]).toBe(
      "chat.example.org. 3600 IN A <this server's public IPv4>",
    );
    expect(neededRecords(t, 'chat.example.org', { ipv6: '2001:db8::7' }).split('\n')[0]).toBe(
      'chat.example.org. 3600 IN AAAA 2001:db8::7',
    );
  });
});

describe('the chatmail checks', () => {
  const run = (p: HostProbe, input: Parameters<typeof runChecks>[2] = {}, ignore: string[] = []) =>
    // As install composes them: the shared ports check with the relay's port names and remedy.
    runChecks(
      [...chatmailChecks.slice(0, 2), portsCheck, ...chatmailChecks.slice(2)],
      p,
      { ports: CHATMAIL_PORTS, portNames: PORT_USE, portsRemedy: PORTS_REMEDY, otherInstalls: [], ...input },
      { ignore },
    ).then((r) => Object.fromEntries(r.map((o) => [o.id, o])));

  it('passes a fit host', async () => {
    const r = await run(probe());
    expect(Object.values(r).map((o) => [o.id, o.status])).toEqual([
      ['cgroups-v2', 'ok'],
      ['arch', 'ok'],
      ['ports', 'ok'],
      ['proxy', 'ok'],
    ]);
    expect(r.ports?.detail).toBe('25, 53, 80, 143, 443, 465, 587, 993 free');
  });

  it('fails when systemd-resolved holds port 53, naming it and its remedy', async () => {
    const r = await run(
      probe({
        portHolder: async (port) => (port === 53 ? { process: 'systemd-resolve', pid: 612 } : undefined),
      }),
    );
    expect(r.ports).toMatchObject({
      status: 'fail',
      detail: 'in use: 53 (DNS resolver) by systemd-resolve (pid 612)',
    });
    expect(r.ports?.remedy).toContain('DNSStubListener=no');
  });

  it('names a host mail server and a web server holding their ports', async () => {
    const holders: Record<number, { process: string; pid: number }> = {
      25: { process: 'master', pid: 900 },
      443: { process: 'nginx', pid: 77 },
    };
    const r = await run(probe({ portHolder: async (port) => holders[port] }));
    expect(r.ports?.detail).toBe('in use: 25 (SMTP) by master (pid 900), 443 (HTTPS) by nginx (pid 77)');
    expect(r.ports?.remedy).toMatch(
      /A mail server already runs here \(master\).*A web server holds 443 \(nginx\)/,
    );
  });

  it("fails when another install uses the wizard's proxy, saying why", async () => {
    const r = await run(probe(), {
      otherInstalls: [
        { name: 'rocketchat', platform: 'rocketchat', tls: 'letsencrypt', domain: 'rc.example.org' },
      ],
    });
    expect(r.proxy).toMatchObject({
      status: 'fail',
      detail:
        "rocketchat (rocketchat, rc.example.org) uses the wizard's proxy on 80 and 443; the relay serves 80 and 443 itself with host networking, so they can't share this server.",
    });
    // Behind the user's own proxy (--tls none) another install takes neither 80 nor 443.
    expect(
      (
        await run(probe(), {
          otherInstalls: [{ name: 'mm', platform: 'mattermost', tls: 'none', domain: 'mm.example.org' }],
        })
      ).proxy?.status,
    ).toBe('ok');
  });

  it('fails on cgroups v1 (systemd in the container), unless ignored', async () => {
    const r = await run(probe({ cgroupV2: async () => false }));
    expect(r['cgroups-v2']).toMatchObject({ status: 'fail' });
    expect(r['cgroups-v2']?.detail).toContain('cgroup: host');
    expect(
      (await run(probe({ cgroupV2: async () => false }), {}, ['cgroups-v2']))['cgroups-v2'],
    ).toMatchObject({ status: 'fail', ignored: true });
  });

  it('fails on arm64', async () => {
    expect((await run(probe({ arch: () => 'arm64' }))).arch).toMatchObject({
      status: 'fail',
      detail: "arm64 (aarch64): the relay's image (ghcr.io/chatmail/docker) is built for amd64 only.",
    });
  });
});

describe('chatmail answers', () => {
  it('refuses --tls none and --tls selfsigned with the reason, as bad input (exit 2)', async () => {
    const none = resolveAnswers(
      [{ platform: 'chatmail', tls: 'none', domain: 'chat.example.org', email: 'a@example.org' }],
      platforms,
    );
    expect(none.errors).toEqual([
      expect.objectContaining({ key: 'tls', error: expect.stringContaining("can't sit behind a proxy") }),
    ]);
    expect(
      resolveAnswers([{ platform: 'chatmail', tls: 'selfsigned' }], platforms).errors[0]?.error,
    ).toContain('--tls selfsigned does not apply');
    expect(resolveAnswers([{ platform: 'chatmail', tls: 'letsencrypt' }], platforms).errors).toEqual([]);
    const deps = {
      platforms,
      env: { env: {} },
      files: { readText: async () => undefined },
    } as unknown as Deps;
    const err = await installCommand(
      { platform: 'chatmail', tls: 'none', domain: 'chat.example.org', email: 'a@example.org' },
      deps,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(ExitCode.usage);
    expect((err as UserError).remedy).toBe('Drop --tls (the relay always uses --tls letsencrypt).');
  });

  it('defaults to letsencrypt, the newest tested release and /opt/chatmail', () => {
    expect(answersFor()).toMatchObject({
      tls: 'letsencrypt',
      version: '1.12.0',
      dataDir: '/opt/chatmail',
      repoUrl: 'https://github.com/chatmail/docker.git',
    });
  });
});

describe("parsing the relay's DNS check", () => {
  it('sorts required and recommended records, leaving out the alternative DKIM form', () => {
    const report = parseRelayDnsCheck(DNS_STDOUT, DNS_STDERR);
    expect(report.required.map((l) => l.split(/\s+/)[3])).toEqual(['MX', 'TXT', 'TXT']);
    expect(report.recommended.map((l) => l.split(/\s+/).slice(0, 4).join(' '))).toEqual([
      'chat.example.org. 3600 IN TXT',
      '_dmarc.chat.example.org. 3600 IN TXT',
      'chat.example.org. 3600 IN CAA',
      '_adsp._domainkey.chat.example.org. 3600 IN TXT',
      '_submission._tcp.chat.example.org. 3600 IN SRV',
      '_submissions._tcp.chat.example.org. 3600 IN SRV',
      '_imap._tcp.chat.example.org. 3600 IN SRV',
      '_imaps._tcp.chat.example.org. 3600 IN SRV',
    ]);
    expect(report).toMatchObject({ allSet: false, problems: [] });
    expectGolden('chatmail.relay-dns.zone', `${relayDnsSnippet(report)}\n`);
  });

  it('reads "all set", and the initial check\'s missing records', () => {
    expect(
      parseRelayDnsCheck(
        '',
        'Collecting initial DNS settings....\nGreat! All your DNS entries are verified and correct.\n',
      ),
    ).toMatchObject({ allSet: true, required: [], recommended: [] });
    const missing = parseRelayDnsCheck(
      'Missing MTA-STS CNAME record:\nmta-sts.chat.example.org.   CNAME  chat.example.org.\n',
      'Collecting initial DNS settings....\n',
    );
    expect(missing.required).toEqual([
      'mta-sts.chat.example.org.                3600   IN  CNAME  chat.example.org.',
    ]);
    expect(
      parseRelayDnsCheck('Missing A and/or AAAA DNS records for chat.example.org!\n', '').problems,
    ).toEqual(['Missing A and/or AAAA DNS records for chat.example.org!']);
    expect(
      parseRelayDnsCheck('', "could not get letsencrypt account url, please run 'cmdeploy run'\n").problems,
    ).toEqual(["could not get letsencrypt account url, please run 'cmdeploy run'"]);
  });
});

describe('the chatmail task tree (fake runner)', () => {
  const state = (health: string, status = 'running') =>
    JSON.stringify({
      Status: status,
      ExitCode: 0,
      StartedAt: '2026-11-22T02:26:00.5Z',
      Health: { Status: health, FailingStreak: 0 },
    });

  async function setup(
    rows: FakeRow[],
    opts: {
      host?: boolean;
      probe?: HostProbe;
      completed?: string[];
      timeout?: number;
      cloned?: boolean;
    } = {},
  ) {
    const root = tmpRoot();
    // A re-run: the plan finds the clone of the first run.
    if (opts.cloned) mkdirSync(join(root, 'opt/chatmail/.git/info'), { recursive: true });
    const inner = new RealFileStore((p) => join(root, p));
    // On a real host (WIZARD_ROOT unset) real paths are the logical ones; here they still land in the temp root.
    const files: FileStore = opts.host
      ? {
          real: (p) => p,
          readText: (p) => inner.readText(p),
          exists: (p) => inner.exists(p),
          write: (s) => inner.write(s),
        }
      : inner;
    const answers = answersFor({ offline: true });
    const { plan, steps } = await buildPlan(chatmail, answers, {
      files,
      templates,
      hostPath: files.real.bind(files),
      project: 'cm-test',
      proxyProject: 'proxy-test',
      completed: new Set(opts.completed ?? []),
    });
    const runner = createMockRunner({
      rows: [
        {
          match: /^git clone /,
          effect: () => void mkdirSync(join(root, 'opt/chatmail/.git/info'), { recursive: true }),
        },
        ...rows,
      ],
    });
    const journal = createMockJournal(opts.completed ?? []);
    const { journaled } = journal;
    const ctx: InstallContext = createMockContext({
      answers,
      platform: chatmail,
      plan,
      project: 'cm-test',
      runner,
      files,
      http: {
        request: async () => {
          throw new Error('no HTTP expected');
        },
      },
      journal,
      probe: opts.probe ?? probe(),
      templates,
      readyTimeoutSeconds: opts.timeout ?? 5,
    });
    const list = new Listr<InstallContext, 'silent'>(steps.map(stepTask), {
      ctx,
      renderer: 'silent',
      exitOnError: true,
    });
    return { root, ctx, runner, list, journaled };
  }

  /** `docker inspect` answers in turn: starting, starting, then healthy. */
  function inspectRow(states: string[]): FakeRow {
    const row: FakeRow = { match: /^docker inspect --format '\{\{json \.State\}\}' c0ffee$/ };
    row.effect = () => {
      row.stdout = states.length > 1 ? states.shift() : states[0];
    };
    return row;
  }

  const compose = 'docker compose --project-name cm-test --project-directory /opt/chatmail';
  const progress = [
    'Starting chatmail-init.service - Run container setup commands...',
    '[$ pyinfra @local /opt/chatmail/cmdeploy/src/cmdeploy/run.py -y]',
    '--> Starting operation: Deploy opendkim',
    '\u001b[0;32m--> Starting operation: Deploy dovecot\u001b[0m\r',
    'Deploy completed, call `cmdeploy dns` next.',
  ];
  const started: FakeRow[] = [
    {
      match: /^sysctl -p \/etc\/sysctl.d\/99-inotify.conf$/,
      stdout: 'fs.inotify.max_user_instances = 65536\nfs.inotify.max_user_watches = 65536',
    },
    { match: / up -d --remove-orphans --pull never$/ },
    { match: / ps --all --quiet chatmail$/, stdout: 'c0ffee\n' },
    // The wait's look at the containers: none amiss.
    { match: / ps --all --format json$/, stdout: '' },
    {
      match: / logs --follow --no-color --no-log-prefix --since 2026-11-22T02:26:00.5Z chatmail$/,
      lines: progress,
    },
  ];

  it("raises the inotify limits, shows the DNS records, writes .env, starts, waits for health, then shows the relay's DNS check", async () => {
    const dns: FakeRow = {
      match: / exec -T chatmail cmdeploy dns --ssh-host @local$/,
      exitCode: 1,
      stdout: DNS_STDOUT,
      stderr: DNS_STDERR,
    };
    const { root, runner, list, journaled, ctx } = await setup(
      [...started, inspectRow([state('starting'), state('starting'), state('healthy')]), dns],
      { host: true },
    );
    await list.run();
    expect(runner.calls.map((c) => c.replaceAll(root, ''))).toEqual([
      'git clone --quiet --branch main -- https://github.com/chatmail/docker.git /opt/chatmail',
      'sysctl -p /etc/sysctl.d/99-inotify.conf',
      `${compose} up -d --remove-orphans --pull never`,
      `${compose} ps --all --quiet chatmail`,
      "docker inspect --format '{{json .State}}' c0ffee",
      `${compose} logs --follow --no-color --no-log-prefix --since 2026-11-22T02:26:00.5Z chatmail`,
      "docker inspect --format '{{json .State}}' c0ffee",
      "docker inspect --format '{{json .State}}' c0ffee",
      `${compose} exec -T chatmail cmdeploy dns --ssh-host @local`,
    ]);
    expect(journaled).toEqual([
      'clone',
      'sysctl',
      'dns-records',
      'files:Write .env',
      'up',
      'ready',
      'dns-check',
    ]);
    expect(list.tasks.map((t) => t.title)).toEqual([
      'Cloned the compose repository',
      'Raised the inotify limits (/etc/sysctl.d/99-inotify.conf created, applied)',
      'DNS: 4 of the 4 records chat.example.org needs are not set yet (set them at your DNS provider)',
      'Wrote .env (1 changed, 0 unchanged)',
      'Started the containers',
      expect.stringMatching(/^Chatmail relay 1\.12\.0 is healthy \(after \d+ s\)$/),
      "The relay's DNS check: 3 required and 8 recommended records to set (see the summary)",
    ]);
    // The records the domain needs, shown before the start, in zone-file form with this server's addresses.
    expect(list.tasks[2]?.output).toContain(
      'chat.example.org. 3600 IN A 203.0.113.7\nchat.example.org. 3600 IN AAAA 2001:db8::7\nwww.chat.example.org. 3600 IN CNAME chat.example.org.',
    );
    expect(list.tasks[2]?.output).toContain('⚠ mta-sts.chat.example.org has no CNAME record');
    expect(statSync(join(root, 'opt/chatmail/.env')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(root, 'etc/sysctl.d/99-inotify.conf'), 'utf8')).toContain(
      'fs.inotify.max_user_watches=65536',
    );
    expect(ctx.readyVersion).toBe('1.12.0');
    expect(ctx.notes).toHaveLength(1);
    expect(ctx.notes[0]).toMatch(
      /^Set these DNS records at your DNS provider \(the relay's own check, cmdeploy dns, reports them missing\):\n; Required DNS entries\nchat\.example\.org\. +3600 +IN +MX +10 chat\.example\.org\.\n/,
    );
    expect(ctx.notes[0]).toContain(
      '\n; Recommended DNS entries\nchat.example.org.                        3600   IN  TXT    "v=spf1 a ~all"',
    );
    // The summary links to the relay's page, with no login.
    const summary = chatmail.summary(ctx.answers, {}, (p) => p);
    expect(summary).toMatchObject({
      url: 'https://chat.example.org',
      action: expect.stringContaining('invite QR code'),
    });
    expect(summary.login).toBeUndefined();
  });

  it('under WIZARD_ROOT writes the sysctl file but leaves the host kernel alone, and says so', async () => {
    const dns: FakeRow = {
      match: / cmdeploy dns /,
      stderr: 'Great! All your DNS entries are verified and correct.',
    };
    const ok = probe({
      resolve: async () => ({ a: ['203.0.113.7'], aaaa: ['2001:db8::7'] }),
      resolveCname: async () => ({ cname: ['chat.example.org'] }),
    });
    const { root, runner, list, ctx } = await setup([...started, inspectRow([state('healthy')]), dns], {
      probe: ok,
    });
    await list.run();
    expect(runner.calls.some((c) => c.startsWith('sysctl'))).toBe(false);
    expect(list.tasks[1]?.title).toBe(
      `Wrote ${root}/etc/sysctl.d/99-inotify.conf (created; not applied: WIZARD_ROOT is set, the host kernel is left alone)`,
    );
    expect(list.tasks[2]?.title).toBe('DNS records chat.example.org needs are set');
    expect(list.tasks[6]?.title).toBe("The relay's DNS check: every record is set");
    expect(ctx.notes).toEqual([]);
  });

  it("fails early when the relay's setup fails, with its log lines", async () => {
    const failing: FakeRow = {
      match: / logs --follow /,
      lines: [
        'Missing MTA-STS CNAME record:',
        'mta-sts.chat.example.org.   CNAME  chat.example.org.',
        '[FAILED] Failed to start chatmail-init.service - Run container setup commands.',
      ],
    };
    const { list, journaled } = await setup(
      [...started.filter((r) => !/logs/.test(String(r.match))), failing, inspectRow([state('starting')])],
      { timeout: 30 },
    );
    const err = await list.run().then(
      () => undefined,
      (e: Error & { remedy?: string }) => e,
    );
    expect(err?.message).toMatch(
      /^Chatmail relay failed to start: \[FAILED\] Failed to start chatmail-init\.service/,
    );
    expect(err?.message).toContain('mta-sts.chat.example.org.   CNAME  chat.example.org.');
    expect(err?.remedy).toContain('run the same install again');
    expect(journaled).not.toContain('ready');
  });

  it('times out with the health state and the last progress line (WIZARD_READY_TIMEOUT bounds it)', async () => {
    const { list } = await setup([...started, inspectRow([state('starting')])], { timeout: 0.05 });
    await expect(list.run()).rejects.toThrow(
      /did not become healthy within 0.05 s \(health: starting; last: Deploy completed, call `cmdeploy dns` next.\)/,
    );
  });

  it('on a re-run restarts a relay whose setup had failed', async () => {
    const rerun: FakeRow[] = [
      { match: /status --porcelain/, stdout: '' },
      { match: /fetch --quiet origin main/ },
      { match: /merge --ff-only origin\/main/ },
      {
        match: / ps --all --format json chatmail$/,
        stdout:
          '{"Service":"chatmail","Name":"chatmail","State":"running","Health":"unhealthy","Status":"Up 30 minutes (unhealthy)"}',
      },
      { match: / restart chatmail$/ },
      { match: / cmdeploy dns /, stderr: 'Great! All your DNS entries are verified and correct.' },
    ];
    const { root, list, runner } = await setup([...rerun, ...started, inspectRow([state('healthy')])], {
      completed: ['clone', 'up', 'ready'],
      cloned: true,
    });
    await list.run();
    expect(list.tasks[5]?.title).toBe('Restarted the relay (its last setup had failed)');
    expect(runner.calls.indexOf(`${compose.replace('/opt', `${root}/opt`)} restart chatmail`)).toBeLessThan(
      runner.calls.findIndex((c) => c.startsWith('docker inspect')),
    );
  });
});
