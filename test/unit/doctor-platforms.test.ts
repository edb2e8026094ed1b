import { describe, expect, it } from 'vitest';
import type { HostProbe } from '../../src/core/checks.js';
import {
  commonLogPatterns,
  type DoctorCheck,
  type Finding,
  type GatherContext,
  type InstallFacts,
  installChecks,
  type LogPattern,
  matchLogs,
} from '../../src/core/doctor.js';
import type { InstallAnswers } from '../../src/core/platform.js';
import { gather as chatmailGather, parseIsActive, UNITS } from '../../steps/chatmail/doctor.js';
import chatmail from '../../steps/chatmail/index.js';
import mastodon from '../../steps/mastodon/index.js';
import mattermost from '../../steps/mattermost/index.js';

const running = (service: string) => ({
  service,
  name: `${service}-1`,
  state: 'running',
  health: '',
  restartCount: 0,
  exitCode: 0,
  oomKilled: false,
  restartPolicy: 'unless-stopped',
});

function base(patch: Partial<InstallFacts>): InstallFacts {
  return {
    name: 'x',
    platform: 'x',
    domain: 'chat.example.com',
    tls: 'letsencrypt',
    release: '1.0.0',
    dataDir: '/opt/x',
    envFile: '/opt/x/.env',
    env: {},
    secretFileModes: { '/opt/x/.env': 0o600 },
    containers: [],
    logs: '',
    readiness: { ok: true, version: '1.0.0', detail: 'ready', url: 'http://127.0.0.1:1/' },
    ...patch,
  };
}

const judge = (
  f: InstallFacts,
  p: { doctor?: { checks?: DoctorCheck[]; logPatterns?: LogPattern[] } },
): Finding[] =>
  [...installChecks, ...(p.doctor?.checks ?? [])]
    .flatMap((c) => {
      const r = c.run(f);
      return r === undefined ? [] : Array.isArray(r) ? r : [r];
    })
    .concat(
      matchLogs(f.logs, [...commonLogPatterns, ...(p.doctor?.logPatterns ?? [])], {
        healthy: f.readiness.ok,
      }),
    );
const problems = (f: InstallFacts, p: Parameters<typeof judge>[1]) =>
  judge(f, p).filter((x) => x.severity !== 'ok');

describe('Mattermost doctor', () => {
  const mm = (patch: Partial<InstallFacts> = {}) =>
    base({
      name: 'mattermost',
      platform: 'mattermost',
      dataDir: '/opt/mattermost',
      envFile: '/opt/mattermost/.env',
      env: { MM_SERVICESETTINGS_SITEURL: 'https://chat.example.com', APP_PORT: '8065' },
      containers: [running('mattermost'), running('postgres')],
      ownedPaths: [
        {
          path: '/opt/mattermost/volumes/app/mattermost',
          want: { uid: 2000, gid: 2000 },
          actual: { uid: 2000, gid: 2000 },
        },
        {
          path: '/opt/mattermost/volumes/app/mattermost/config',
          want: { uid: 2000, gid: 2000 },
          actual: { uid: 2000, gid: 2000 },
        },
      ],
      ...patch,
    });

  it('finds nothing wrong with a healthy install', () => {
    expect(problems(mm(), mattermost)).toEqual([]);
    expect(judge(mm(), mattermost).map((f) => f.id)).toEqual(
      expect.arrayContaining(['mattermost.site-url', 'ownership']),
    );
  });

  it('a SiteURL other than the domain names the file, the expected value and the fix', () => {
    const f = mm({ env: { MM_SERVICESETTINGS_SITEURL: 'http://localhost:8065', APP_PORT: '8065' } });
    expect(problems(f, mattermost)[0]).toMatchObject({
      id: 'mattermost.site-url',
      severity: 'fail',
      evidence:
        'MM_SERVICESETTINGS_SITEURL is http://localhost:8065 in /opt/mattermost/.env, but the install serves https://chat.example.com',
      remedy: expect.stringContaining('MM_SERVICESETTINGS_SITEURL=https://chat.example.com'),
    });
    // Without TLS on localhost the address includes the port.
    expect(
      problems(
        mm({
          domain: 'localhost',
          tls: 'none',
          env: { MM_SERVICESETTINGS_SITEURL: 'http://localhost:8065', APP_PORT: '8065' },
        }),
        mattermost,
      ),
    ).toEqual([]);
  });

  it("recognises config.json permission denied (the server's own error) with the chown remedy", () => {
    const logs =
      'mattermost-1  | Error: failed to load configuration: failed to create store: unable to load on store creation: failed to persist: failed to write file: open /mattermost/config/config.json: permission denied';
    const f = mm({ logs, readiness: { ok: false, detail: 'connection refused', url: 'u' } });
    const hit = problems(f, mattermost).find((p) => p.id === 'mattermost.config-permission');
    expect(hit).toMatchObject({ severity: 'fail', evidence: logs });
    expect(hit?.remedy).toContain('chown -R -P --no-dereference 2000:2000 volumes/app/mattermost/config');
    expect(problems(mm({ logs }), mattermost)).toEqual([]);
  });

  it("PostgreSQL on another major's data: the stand-in's line matches the common pattern", () => {
    const logs =
      'postgres-1  | 2026-01-01 00:00:00.000 UTC [1] FATAL:  database files are incompatible with server';
    expect(problems(mm({ logs }), mattermost).map((p) => p.id)).toEqual(['log.pg-incompatible']);
  });

  it('a volume folder owned by someone else: fail, with a safe chown -R fix', () => {
    const f = mm({
      ownedPaths: [
        {
          path: '/opt/mattermost/volumes/app/mattermost/config',
          want: { uid: 2000, gid: 2000 },
          actual: { uid: 0, gid: 0 },
        },
      ],
    });
    expect(problems(f, mattermost)[0]).toMatchObject({
      id: 'ownership',
      severity: 'fail',
      evidence:
        "/opt/mattermost/volumes/app/mattermost/config is owned by 0:0, the container's user is 2000:2000",
      fix: {
        kind: 'chown',
        path: '/opt/mattermost/volumes/app/mattermost/config',
        uid: 2000,
        gid: 2000,
        description: 'chown -R 2000:2000 /opt/mattermost/volumes/app/mattermost/config',
      },
    });
    // A missing folder is not an ownership problem (nothing gathered when not root either).
    expect(problems(mm({ ownedPaths: [{ path: '/p', want: { uid: 1, gid: 1 } }] }), mattermost)).toEqual([]);
  });
});

describe('Mastodon doctor', () => {
  const streaming = { ok: true, detail: 'OK', url: 'http://127.0.0.1:4000/api/v1/streaming/health' };
  const md = (
    production: Record<string, string> | 'missing' = { LOCAL_DOMAIN: 'social.example.com' },
    patch: Partial<InstallFacts> = {},
  ) =>
    base({
      name: 'mastodon',
      platform: 'mastodon',
      domain: 'social.example.com',
      dataDir: '/opt/mastodon',
      containers: [running('web'), running('streaming'), running('sidekiq'), running('db'), running('redis')],
      extra: {
        mastodon: {
          productionFile: '/opt/mastodon/.env.production',
          streaming,
          ...(production === 'missing' ? {} : { production }),
        },
      },
      ...patch,
    });

  it('finds nothing wrong with a healthy install', () => {
    expect(problems(md(), mastodon)).toEqual([]);
    expect(judge(md(), mastodon).map((f) => f.id)).toEqual(
      expect.arrayContaining(['mastodon.local-domain', 'mastodon.streaming']),
    );
  });

  it('LOCAL_DOMAIN other than the domain, or .env.production missing', () => {
    expect(problems(md({ LOCAL_DOMAIN: 'localhost' }), mastodon)[0]).toMatchObject({
      id: 'mastodon.local-domain',
      severity: 'fail',
      evidence:
        'LOCAL_DOMAIN is localhost in /opt/mastodon/.env.production, but the install serves social.example.com',
    });
    expect(problems(md('missing'), mastodon)[0]).toMatchObject({
      id: 'mastodon.local-domain',
      evidence: '/opt/mastodon/.env.production is missing',
    });
  });

  it('the streaming API not answering: fail, fixable by starting it', () => {
    const f = md(undefined, {});
    f.extra = {
      mastodon: {
        productionFile: 'p',
        production: { LOCAL_DOMAIN: 'social.example.com' },
        streaming: { ok: false, detail: 'connect ECONNREFUSED', url: streaming.url },
      },
    };
    expect(problems(f, mastodon)[0]).toMatchObject({
      id: 'mastodon.streaming',
      evidence: `${streaming.url}: connect ECONNREFUSED`,
      fix: { kind: 'start-containers' },
    });
  });

  it("missing ActiveRecord encryption keys (the app's own message) and a rejected data folder", () => {
    const logs = [
      'web-1  | ',
      'web-1  | Mastodon now requires that these variables are set:',
      'web-1  |   - ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY',
      'db-1  | 2026-01-01 00:00:00.000 UTC [1] FATAL:  data directory "/var/lib/postgresql/data" has wrong ownership',
    ].join('\n');
    const down = { ok: false, detail: 'connection refused', url: 'http://127.0.0.1:3000/health' };
    const ids = problems(md(undefined, { logs, readiness: down }), mastodon).map((p) => p.id);
    expect(ids).toEqual(expect.arrayContaining(['mastodon.encryption-keys', 'mastodon.pg-data-dir']));
    // Old lines left in the log after a fix: not a problem once it answers.
    expect(problems(md(undefined, { logs }), mastodon)).toEqual([]);
    expect(
      problems(
        md(undefined, { logs: 'db-1 | FATAL:  database files are incompatible with server' }),
        mastodon,
      ).map((p) => p.id),
    ).toContain('log.pg-incompatible');
  });

  it('.env.production and .env.db are secret files, so the generic check holds them to 0600', () => {
    const answers: InstallAnswers = {
      platform: 'mastodon',
      name: 'mastodon',
      domain: 'social.example.com',
      email: 'a@example.com',
      version: mastodon.releases[0]?.version ?? '',
      dataDir: '/opt/mastodon',
      tls: 'letsencrypt',
      port: 3000,
      repoUrl: '',
      offline: true,
      extra: {},
    };
    const files = mastodon.files({
      answers,
      existing: {},
      templates: () => '',
      project: 'mastodon',
      hostPath: (p) => p,
      generateSecret: () => 'generated-secret',
    });
    const secret = files.filter((f) => f.secret).map((f) => [f.path, f.mode]);
    expect(secret).toEqual(
      expect.arrayContaining([
        ['/opt/mastodon/.env.production', 0o600],
        ['/opt/mastodon/.env.db', 0o600],
      ]),
    );
    const f = md(undefined, {
      secretFileModes: { '/opt/mastodon/.env.production': 0o600, '/opt/mastodon/.env.db': 0o644 },
    });
    expect(problems(f, mastodon).find((p) => p.id === 'secret-modes')).toMatchObject({
      evidence: '/opt/mastodon/.env.db is mode 0644: others can read its secrets',
    });
  });
});

describe('chatmail doctor', () => {
  const active = Object.fromEntries(UNITS.map((u) => [u, 'active']));
  const cm = (extra: Record<string, unknown>, patch: Partial<InstallFacts> = {}) =>
    base({
      name: 'chatmail',
      platform: 'chatmail',
      domain: 'relay.example.org',
      dataDir: '/opt/chatmail',
      containers: [{ ...running('chatmail'), health: 'healthy' }],
      readiness: {
        ok: true,
        detail: 'container health: healthy',
        url: "the chatmail container's health check",
      },
      extra: { chatmail: extra },
      ...patch,
    });

  it('healthy: every unit active, every record set', () => {
    const f = cm({ units: active, dns: [{ record: 'relay.example.org A', ok: true, detail: 'ok' }] });
    expect(problems(f, chatmail)).toEqual([]);
  });

  it('a unit inactive inside the container is named, with the restart', () => {
    const f = cm({ units: { ...active, dovecot: 'inactive', nginx: 'failed' } });
    expect(problems(f, chatmail)[0]).toMatchObject({
      id: 'chatmail.services',
      severity: 'fail',
      evidence: 'dovecot is inactive, nginx is failed',
      remedy: expect.stringContaining('systemctl restart dovecot nginx'),
    });
    expect(
      problems(cm({ units: { error: 'service "chatmail" is not running' } }), chatmail)[0],
    ).toMatchObject({ severity: 'warn' });
  });

  it('a needed DNS record missing is a warning, one per record', () => {
    const f = cm({
      units: active,
      dns: [
        { record: 'relay.example.org A', ok: true, detail: 'ok' },
        {
          record: 'mta-sts.relay.example.org CNAME',
          ok: false,
          detail: 'mta-sts.relay.example.org has no CNAME record',
        },
      ],
    });
    expect(problems(f, chatmail)).toEqual([
      expect.objectContaining({
        id: 'chatmail.dns',
        severity: 'warn',
        evidence: 'mta-sts.relay.example.org has no CNAME record',
      }),
    ]);
  });

  it('readiness is the container health (an unhealthy relay fails)', () => {
    const f = cm(
      { units: active },
      {
        containers: [{ ...running('chatmail'), health: 'unhealthy' }],
        readiness: { ok: false, detail: 'container health: unhealthy', url: 'h' },
      },
    );
    expect(problems(f, chatmail).map((p) => p.id)).toEqual(['container.chatmail', 'readiness']);
  });

  it('gathers systemctl is-active per unit and looks the records up', async () => {
    expect(parseIsActive(['a', 'b'], 'active\ninactive\n')).toEqual({ a: 'active', b: 'inactive' });
    expect(parseIsActive(['a', 'b'], '')).toBeUndefined();
    const calls: string[][] = [];
    const probe = {
      resolve: async () => ({ a: ['203.0.113.5'], aaaa: [] }),
      resolveCname: async (n: string) => ({ cname: n.startsWith('www.') ? ['relay.example.org'] : [] }),
      publicAddresses: async () => ['203.0.113.5'],
    } as unknown as HostProbe;
    const ctx: GatherContext = {
      answers: {
        platform: 'chatmail',
        name: 'chatmail',
        domain: 'relay.example.org',
        email: '',
        version: '',
        dataDir: '/opt/chatmail',
        tls: 'letsencrypt',
        port: 443,
        repoUrl: '',
        offline: true,
        extra: {},
      },
      dataDir: '/opt/chatmail',
      compose: async (args) => {
        calls.push(args);
        return {
          exitCode: 3,
          stdout: UNITS.map((u) => (u === 'postfix' ? 'inactive' : 'active')).join('\n'),
          stderr: '',
        };
      },
      http: async () => ({ status: 200, body: '' }),
      readText: async () => undefined,
      probe,
      templates: () => '',
    };
    const extra = await chatmailGather(ctx);
    expect(calls[0]).toEqual(['exec', '-T', 'chatmail', 'systemctl', 'is-active', ...UNITS]);
    const found = problems(cm((extra as { chatmail: Record<string, unknown> }).chatmail), chatmail);
    expect(found.map((p) => [p.id, p.evidence])).toEqual([
      ['chatmail.services', 'postfix is inactive'],
      ['chatmail.dns', 'mta-sts.relay.example.org has no CNAME record'],
    ]);
  });
});
