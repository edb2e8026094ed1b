import { describe, expect, it } from 'vitest';
import {
  commonLogPatterns,
  diskFinding,
  exitCodeOf,
  type Finding,
  type InstallFacts,
  installChecks,
  matchLogs,
  redact,
  secretValues,
} from '../../src/core/doctor.js';
import { checks as rcChecks, logPatterns as rcPatterns } from '../../steps/rocketchat/doctor.js';

/** A healthy Rocket.Chat install, as gathered on a real host. */
function facts(patch: Partial<InstallFacts> = {}): InstallFacts {
  return {
    name: 'rocketchat',
    platform: 'rocketchat',
    domain: 'chat.example.com',
    tls: 'letsencrypt',
    release: '8.0.1',
    dataDir: '/opt/rocketchat',
    envFile: '/opt/rocketchat/.env',
    env: { ROOT_URL: 'https://chat.example.com', HOST_PORT: '3000', ADMIN_PASS: 'pw' },
    secretFileModes: { '/opt/rocketchat/.env': 0o600 },
    containers: [
      {
        service: 'rocketchat',
        name: 'rc-1',
        state: 'running',
        health: '',
        restartCount: 0,
        exitCode: 0,
        oomKilled: false,
        restartPolicy: 'always',
      },
      {
        service: 'mongodb',
        name: 'mongo-1',
        state: 'running',
        health: 'healthy',
        restartCount: 0,
        exitCode: 0,
        oomKilled: false,
        restartPolicy: 'always',
      },
      {
        service: 'mongodb-init-container',
        name: 'init-1',
        state: 'exited',
        health: '',
        restartCount: 0,
        exitCode: 0,
        oomKilled: false,
        restartPolicy: 'on-failure',
      },
    ],
    logs: 'rocketchat-1  | SERVER RUNNING',
    readiness: { ok: true, version: '8.0.1', detail: 'ready', url: 'http://127.0.0.1:3000/api/info' },
    publicReadiness: {
      ok: true,
      version: '8.0.1',
      detail: 'ready',
      url: 'https://chat.example.com/api/info',
    },
    certificate: { issuer: "Let's Encrypt", daysLeft: 60 },
    ...patch,
  };
}
const judge = (f: InstallFacts): Finding[] =>
  [...installChecks, ...rcChecks]
    .flatMap((c) => {
      const r = c.run(f);
      return r === undefined ? [] : Array.isArray(r) ? r : [r];
    })
    .concat(matchLogs(f.logs, [...commonLogPatterns, ...rcPatterns], { healthy: f.readiness.ok }));
const problems = (f: InstallFacts) => judge(f).filter((x) => x.severity !== 'ok');

describe('doctor verdicts on recorded facts', () => {
  it('finds nothing wrong with a healthy install (a finished init container is fine)', () => {
    expect(problems(facts())).toEqual([]);
    expect(exitCodeOf(judge(facts()))).toBe(0);
  });

  it('a stopped container: fail, with the command that starts it, fixable', () => {
    const f = facts({
      containers: [
        {
          service: 'rocketchat',
          name: 'rc-1',
          state: 'exited',
          health: '',
          restartCount: 0,
          exitCode: 137,
          oomKilled: false,
          restartPolicy: 'always',
        },
      ],
    });
    expect(problems(f)[0]).toMatchObject({
      id: 'container.rocketchat',
      severity: 'fail',
      evidence: 'exited, exit code 137',
      remedy: 'cd /opt/rocketchat && docker compose up -d',
      fix: { kind: 'start-containers' },
    });
  });

  it('a restart loop, and an OOM kill', () => {
    const loop = facts({
      containers: [
        {
          service: 'rocketchat',
          name: 'rc-1',
          state: 'restarting',
          health: '',
          restartCount: 7,
          exitCode: 1,
          oomKilled: false,
          restartPolicy: 'always',
        },
      ],
    });
    expect(problems(loop)[0]?.evidence).toBe('restart loop: 7 restarts, last exit code 1');
    // Caught "running" between two crashes, while nothing answers: still a loop.
    const between = facts({
      containers: [
        {
          service: 'rocketchat',
          name: 'rc-1',
          state: 'running',
          health: '',
          restartCount: 4,
          exitCode: 1,
          oomKilled: false,
          restartPolicy: 'always',
        },
      ],
      readiness: { ok: false, detail: 'connection refused', url: 'u' },
    });
    expect(problems(between)[0]?.evidence).toBe('restart loop: 4 restarts, up again for now');
    const oom = facts({
      containers: [
        {
          service: 'mongodb',
          name: 'm',
          state: 'running',
          health: '',
          restartCount: 1,
          exitCode: 137,
          oomKilled: true,
          restartPolicy: 'always',
        },
      ],
    });
    expect(problems(oom)[0]).toMatchObject({
      severity: 'warn',
      remedy: 'Add memory or swap to this server.',
    });
  });

  it('a wrong ROOT_URL names the file, the expected value and the fix', () => {
    const f = facts({ env: { ROOT_URL: 'http://localhost:3000', HOST_PORT: '3000' } });
    expect(problems(f)[0]).toMatchObject({
      id: 'rocketchat.root-url',
      severity: 'fail',
      evidence:
        'ROOT_URL is http://localhost:3000 in /opt/rocketchat/.env, but the install serves https://chat.example.com',
    });
  });

  it('a secret file readable by others is a fixable failure', () => {
    const f = facts({ secretFileModes: { '/opt/rocketchat/.env': 0o644 } });
    expect(problems(f)[0]).toMatchObject({
      evidence: '/opt/rocketchat/.env is mode 0644: others can read its secrets',
      remedy: 'chmod 600 /opt/rocketchat/.env',
      fix: { kind: 'chmod', mode: 0o600 },
    });
  });

  it('recognises known failures in the logs, the newest line as evidence', () => {
    const logs = [
      'rocketchat-1  | MongoServerSelectionError: Server selection timed out after 30000 ms',
      'rocketchat-1  | FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
    ].join('\n');
    const down = { ok: false, detail: 'connection refused', url: 'http://127.0.0.1:3000/api/info' };
    expect(
      problems(facts({ logs, readiness: down }))
        .map((p) => p.id)
        .sort(),
    ).toEqual(['log.heap-oom', 'readiness', 'rocketchat.mongo-no-primary']);
    // Waiting for MongoDB is part of every start: not a problem while the install answers.
    expect(problems(facts({ logs })).map((p) => p.id)).toEqual(['log.heap-oom']);
    expect(
      problems(
        facts({
          logs: '\u001B[2Krocketchat-1 | =====> MongoDB not ready yet, retrying in 5 seconds...',
          readiness: down,
        }),
      ).find((p) => p.id === 'rocketchat.mongo-refused')?.evidence,
    ).toBe('rocketchat-1 | =====> MongoDB not ready yet, retrying in 5 seconds...');
    expect(
      problems(facts({ logs: 'db-1 | FATAL:  database files are incompatible with server' }))[0]?.id,
    ).toBe('log.pg-incompatible');
  });

  it('a domain answering another version means DNS or a CDN points elsewhere', () => {
    const f = facts({
      publicReadiness: {
        ok: true,
        version: '7.13.0',
        detail: 'ready',
        url: 'https://chat.example.com/api/info',
      },
    });
    expect(problems(f)[0]?.remedy).toBe(
      'DNS or a CDN points chat.example.com elsewhere; point it at this server.',
    );
  });

  it('certificate: warn under 20 days, fail under 7 or when none is served', () => {
    expect(problems(facts({ certificate: { issuer: "Let's Encrypt", daysLeft: 12 } }))[0]?.severity).toBe(
      'warn',
    );
    expect(problems(facts({ certificate: { issuer: "Let's Encrypt", daysLeft: 3 } }))[0]?.severity).toBe(
      'fail',
    );
    expect(
      problems(facts({ certificate: { error: 'no certificate served for chat.example.com' } }))[0]?.severity,
    ).toBe('fail');
    // The remedy names the proxy's log with its compose project, so the command finds the running proxy.
    const logs =
      'docker compose --project-name wizard-proxy -f /root/nginx/compose.yml logs --tail 100 nginx';
    expect(
      problems(facts({ certificate: { error: 'no certificate served' }, proxyLogs: logs }))[0]?.remedy,
    ).toBe(`Read the proxy log for the certbot request: ${logs}`);
    expect(
      problems(facts({ certificate: { issuer: "Let's Encrypt", daysLeft: 3 }, proxyLogs: logs }))[0]?.remedy,
    ).toBe(`Renewal is failing: ${logs}`);
  });

  it('a platform with its own TLS (chatmail): the remedies point at its own log, never at the shared proxy', () => {
    const f = facts({
      name: 'chatmail',
      domain: 'relay.example.org',
      ownTls: true,
      publicReadiness: {
        ok: false,
        detail: 'getaddrinfo ENOTFOUND relay.example.org',
        url: 'https://relay.example.org/',
      },
      certificate: { error: 'connect ECONNREFUSED 127.0.0.1:443' },
    });
    const byId = Object.fromEntries(problems(f).map((p) => [p.id, p]));
    expect(byId.public).toMatchObject({
      severity: 'fail',
      remedy:
        'Check that DNS points relay.example.org at this server and the firewall (80/443); it serves HTTPS itself: wizard logs chatmail --tail 100',
    });
    expect(byId.certificate).toMatchObject({
      severity: 'fail',
      remedy: 'Read the log of the certificate request: wizard logs chatmail --tail 100',
    });
    const proxied =
      'docker compose --project-name wizard-proxy -f /root/nginx/compose.yml logs --tail 100 nginx';
    expect(problems(facts({ certificate: { error: 'none' }, proxyLogs: proxied }))[0]?.remedy).toBe(
      `Read the proxy log for the certbot request: ${proxied}`,
    );
  });

  it('ports: held by docker-proxy or a container process is right; anything else is named with how to free it', () => {
    const good = problems(
      facts({
        portHolders: [
          { port: 3000, process: 'docker-proxy', pid: 10, container: false },
          { port: 443, process: 'nginx', pid: 20, container: true },
        ],
      }),
    );
    expect(good.find((p) => p.id === 'ports')).toBeUndefined();
    const bad = problems(
      facts({
        dataDir: '/opt/rocketchat',
        portHolders: [
          { port: 3000, process: 'node', pid: 4242, container: false },
          { port: 80, process: 'apache2', pid: 77, container: false },
          { port: 27017 },
        ] as never,
      }),
    );
    const ports = bad.filter((p) => p.id === 'ports');
    expect(ports.map((p) => [p.severity, p.evidence])).toEqual([
      ['fail', "3000 is held by node (pid 4242), not by this install's containers"],
      ['fail', "80 is held by apache2 (pid 77), not by this install's containers"],
    ]);
    expect(ports[0]?.remedy).toBe(
      'Stop the process (kill 4242) or give the install another port (wizard install --name rocketchat --port N); then: cd /opt/rocketchat && docker compose up -d',
    );
    expect(ports[1]?.remedy).toBe(
      'Stop it: systemctl disable --now apache2; then: cd /opt/rocketchat && docker compose up -d',
    );
  });

  it('not answering locally is fixable by waiting', () => {
    expect(
      problems(
        facts({
          readiness: { ok: false, detail: 'connection refused', url: 'http://127.0.0.1:3000/api/info' },
        }),
      )[0],
    ).toMatchObject({ id: 'readiness', fix: { kind: 'wait-ready' } });
  });

  it('disk: warn above 85%, fail above 95%', () => {
    expect(diskFinding('d', 'Disk', '/', 80).severity).toBe('ok');
    expect(diskFinding('d', 'Disk', '/', 90).severity).toBe('warn');
    expect(diskFinding('d', 'Disk', '/', 97).severity).toBe('fail');
  });

  it('exit code: 0 all good, 1 warnings only, 2 failures', () => {
    expect(exitCodeOf([{ id: 'a', severity: 'warn', title: '', evidence: '' }])).toBe(1);
    expect(
      exitCodeOf([
        { id: 'a', severity: 'warn', title: '', evidence: '' },
        { id: 'b', severity: 'fail', title: '', evidence: '' },
      ]),
    ).toBe(2);
  });

  it('redacts every secret and email address', () => {
    const env = {
      ADMIN_PASS: 'hunter2hunter2',
      ADMIN_EMAIL: 'boss@example.com',
      POSTGRES_PASSWORD: 'pgpgpgpg',
      DOMAIN: 'chat.example.com',
      SECRET_KEY_BASE: 'abcdef0123',
    };
    const secrets = secretValues(env, ['ADMIN_PASS']);
    expect(secrets.sort()).toEqual(['abcdef0123', 'hunter2hunter2', 'pgpgpgpg']);
    expect(redact('pass hunter2hunter2 pg=pgpgpgpg mail boss@example.com at chat.example.com', secrets)).toBe(
      'pass [redacted] pg=[redacted] mail [email] at chat.example.com',
    );
  });
});
