import { describe, expect, it } from 'vitest';
import {
  type AcmeAttempt,
  certificateNeedsRequest,
  certificateRequestFinding,
  lastAttempts,
} from '../../src/core/acme.js';
import { type InstallFacts, installChecks } from '../../src/core/doctor.js';
import { certbotGrammar, LETS_ENCRYPT_ISSUER } from '../../steps/proxy/acme.js';

// Real certbot 2.x / Let's Encrypt (Boulder) output, as reported in public issue threads (names changed only
// where the thread had redacted them). The wrapper lines are jonasal/nginx-certbot's run_certbot.sh.
const request = (name: string, at = '2026-11-22T04:00:00.000000000Z') => [
  `${at} Starting certificate renewal process`,
  `${at} Requesting an ECDSA certificate for '${name}' (http-01 through webroot)`,
  `${at} Saving debug log to /var/log/letsencrypt/letsencrypt.log`,
  `${at} Requesting a certificate for ${name}`,
];
const failed = (name: string, at = '2026-11-22T04:00:05.000000000Z') => [
  `${at} `,
  `${at} Hint: The Certificate Authority failed to download the temporary challenge files created by Certbot. Ensure that the listed domains serve their content from the provided --webroot-path/-w and that files created there can be downloaded from the internet.`,
  `${at} `,
  `${at} Some challenges have failed.`,
  `${at} Ask for help or search for solutions at https://community.letsencrypt.org. See the logfile /var/log/letsencrypt/letsencrypt.log or re-run Certbot with -v for more details.`,
  `${at} Certbot failed for '${name}'. Check the logs for details.`,
];
const problem = (domain: string, type: string, detail: string, at = '2026-11-22T04:00:04.000000000Z') => [
  `${at} Certbot failed to authenticate some domains (authenticator: webroot). The Certificate Authority reported these problems:`,
  `${at}   Domain: ${domain}`,
  `${at}   Type:   ${type}`,
  `${at}   Detail: ${detail}`,
];

// https://github.com/certbot/certbot/issues/10109 (certbot 2.x, webroot)
const NXDOMAIN =
  'DNS problem: NXDOMAIN looking up A for chat.example.com - check that a DNS record exists for this domain; DNS problem: NXDOMAIN looking up AAAA for chat.example.com - check that a DNS record exists for this domain';
// https://github.com/netbirdio/netbird/issues/2726
const TIMEOUT =
  'During secondary validation: 35.221.174.49: Fetching http://chat.example.com/.well-known/acme-challenge/IpkLf3E7NL8-vVivqWl9U9rS7xFhAy1ivXrUApnFA-s: Timeout during connect (likely firewall problem)';
// https://github.com/certbot/certbot/issues/10471 (certbot 5.0.0)
const NOT_FOUND =
  'During secondary validation: 203.0.113.7: Invalid response from http://chat.example.com/.well-known/acme-challenge/aOT3Q2vz38an1fXkXFVJLQsOtmQ2QWpaZsnvGbR5fUs: 404';
// https://github.com/NginxProxyManager/nginx-proxy-manager/issues/4616 (certbot, 2025)
const TOO_MANY =
  'too many certificates (5) already issued for this exact set of identifiers in the last 168h0m0s, retry after 2025-07-02 04:04:50 UTC: see https://letsencrypt.org/docs/rate-limits/#new-certificates-per-exact-set-of-hostnames';
// https://github.com/hakwerk/labca/issues/34 (Boulder's problem detail)
const CAA = 'CAA record for chat.example.com prevents issuance';

const attemptOf = (lines: string[], name = 'chat.example.com'): AcmeAttempt | undefined =>
  lastAttempts(lines.join('\n'), certbotGrammar).get(name);

describe('certbot output, classified', () => {
  it.each([
    ['dns', NXDOMAIN],
    [
      'dns',
      "DNS problem: SERVFAIL looking up A for chat.example.com - the domain's nameservers may be malfunctioning",
    ],
    ['dns', 'No valid IP addresses found for chat.example.com'],
    ['connection', TIMEOUT],
    [
      'connection',
      '198.51.100.4: Fetching http://chat.example.com/.well-known/acme-challenge/x: Connection refused',
    ],
    ['unauthorized', NOT_FOUND],
    ['caa', CAA],
  ])('%s: %s', (cls, detail) => {
    const a = attemptOf([
      ...request('chat.example.com'),
      ...problem('chat.example.com', cls === 'caa' ? 'caa' : cls, detail),
      ...failed('chat.example.com'),
    ]);
    expect(a).toMatchObject({
      name: 'chat.example.com',
      outcome: 'failed',
      class: cls,
      domain: 'chat.example.com',
      line: `Detail: ${detail}`.slice(0, 400),
      at: '2026-11-22T04:00:00.000000000Z',
    });
  });

  it('a rate limit after "An unexpected error occurred:" carries its retry-after time', () => {
    const a = attemptOf([
      ...request('chat.example.com'),
      '2026-11-22T04:00:01Z An unexpected error occurred:',
      `2026-11-22T04:00:01Z ${TOO_MANY}`,
      ...failed('chat.example.com'),
    ]);
    expect(a).toMatchObject({
      outcome: 'failed',
      class: 'rate-limit',
      retryAfter: '2025-07-02 04:04:50 UTC',
    });
  });

  it("certbot's own stdout line reaching the log after its stderr lines (two pipes) stays in the same attempt", () => {
    const at = '2026-11-22T04:00:01Z';
    const a = attemptOf([
      ...request('chat.example.com'),
      ...failed('chat.example.com'),
      `${at} Starting certificate renewal process`,
      `${at} Requesting an ECDSA certificate for 'chat.example.com' (http-01 through webroot)`,
      `${at} Saving debug log to /var/log/letsencrypt/letsencrypt.log`,
      `${at} An unexpected error occurred:`,
      `${at} ${TOO_MANY}`,
      `${at} Requesting a certificate for chat.example.com`,
      `${at} Certbot failed for 'chat.example.com'. Check the logs for details.`,
    ]);
    expect(a).toMatchObject({
      outcome: 'failed',
      class: 'rate-limit',
      retryAfter: '2025-07-02 04:04:50 UTC',
    });
  });

  it('the older Boulder wording of the failed-validation limit (certbot debug log) is a rate limit too', () => {
    // https://github.com/joohoi/acme-dns-certbot-joohoi/issues/30
    const a = attemptOf([
      ...request('chat.example.com'),
      '  "type": "urn:ietf:params:acme:error:rateLimited",',
      '  "detail": "Error creating new order :: too many failed authorizations recently: see https://letsencrypt.org/docs/failed-validation-limit/",',
    ]);
    expect(a).toMatchObject({ outcome: 'failed', class: 'rate-limit' });
    expect(a?.retryAfter).toBeUndefined();
  });

  it('only the newest attempt per name counts: a later success clears an older failure', () => {
    const log = [
      ...request('chat.example.com', '2026-11-21T10:00:00Z'),
      ...problem('chat.example.com', 'dns', NXDOMAIN),
      ...failed('chat.example.com'),
      ...request('chat.example.com', '2026-11-22T10:00:00Z'),
      '2026-11-22T10:00:09Z Successfully received certificate.',
      '2026-11-22T10:00:09Z Certificate is saved at: /etc/letsencrypt/live/chat.example.com/fullchain.pem',
    ];
    expect(attemptOf(log)).toMatchObject({ outcome: 'ok', at: '2026-11-22T10:00:00Z' });
    // and the other way round: an old success, a new failure
    const again = [
      ...log,
      ...request('chat.example.com', '2026-11-22T11:00:00Z'),
      ...problem('chat.example.com', 'connection', TIMEOUT),
      ...failed('chat.example.com'),
    ];
    expect(attemptOf(again)).toMatchObject({
      outcome: 'failed',
      class: 'connection',
      at: '2026-11-22T11:00:00Z',
    });
  });

  it('names are kept apart; a request still running is pending; no attempt at all is undefined', () => {
    const log = [
      ...request('a.example.com'),
      ...problem('a.example.com', 'dns', NXDOMAIN),
      ...failed('a.example.com'),
      ...request('b.example.com'),
    ].join('\n');
    const all = lastAttempts(log, certbotGrammar);
    expect(all.get('a.example.com')).toMatchObject({ outcome: 'failed', class: 'dns' });
    expect(all.get('b.example.com')).toMatchObject({ outcome: 'pending' });
    expect(all.get('c.example.com')).toBeUndefined();
  });

  it('lines without timestamps and with terminal colours (nginx-certbot prints errors in red)', () => {
    const log = `Requesting an ECDSA certificate for 'chat.example.com' (http-01 through webroot)\n  Domain: chat.example.com\n  Type:   dns\n  Detail: ${NXDOMAIN}\n\u001B[1m\u001B[31mCertbot failed for 'chat.example.com'. Check the logs for details.\u001B(B\u001B[m`;
    const a = lastAttempts(log, certbotGrammar).get('chat.example.com');
    expect(a).toMatchObject({ outcome: 'failed', class: 'dns' });
    expect(a?.at).toBeUndefined();
  });
});

describe('the certificate-request finding', () => {
  const attempt = (over: Partial<AcmeAttempt>): AcmeAttempt => ({
    name: 'chat.example.com',
    domain: 'chat.example.com',
    outcome: 'failed',
    at: '2026-11-22T04:00:00.123Z',
    line: 'Detail: x',
    ...over,
  });
  const retryCommand =
    'docker compose --project-name wizard-proxy -f /root/nginx/compose.yml kill -s SIGHUP nginx';

  it("dns: the A record to create, with this server's address", () => {
    const f = certificateRequestFinding({
      attempt: attempt({ class: 'dns', line: `Detail: ${NXDOMAIN}` }),
      dns: { addresses: [], error: 'ENOTFOUND' },
      mine: ['203.0.113.7'],
      retryCommand,
    });
    expect(f).toMatchObject({ id: 'certificate-request', severity: 'fail', class: 'dns' });
    expect(f?.evidence).toBe(
      `Let's Encrypt could not look up chat.example.com: Detail: ${NXDOMAIN} (at 2026-11-22T04:00:00Z)`,
    );
    expect(f?.remedy).toContain('chat.example.com still does not resolve (ENOTFOUND)');
    expect(f?.remedy).toContain('chat.example.com. 300 IN A 203.0.113.7');
    expect(f?.remedy).toContain(retryCommand);
  });

  it('dns, fixed since: says so and only asks to retry', () => {
    const f = certificateRequestFinding({
      attempt: attempt({ class: 'dns' }),
      dns: { addresses: ['203.0.113.7'] },
      mine: ['203.0.113.7'],
      retryCommand,
    });
    expect(f?.remedy).toMatch(
      /^chat\.example\.com now resolves to 203\.0\.113\.7 \(this server\)\. Then ask again/,
    );
  });

  it('connection: the firewall command the readiness code knows, and the cloud firewall', () => {
    const f = certificateRequestFinding({
      attempt: attempt({ class: 'connection', line: `Detail: ${TIMEOUT}` }),
      firewall: { tool: 'ufw', active: true, closed: [80], openCommands: ['ufw allow 80/tcp'] },
      mine: ['203.0.113.7'],
      dns: { addresses: ['203.0.113.7'] },
      retryCommand,
    });
    expect(f?.class).toBe('connection');
    expect(f?.remedy).toContain('ufw keeps TCP 80 closed: ufw allow 80/tcp.');
    expect(f?.remedy).toContain("provider's cloud firewall");
  });

  it('unauthorized: the name points elsewhere', () => {
    const f = certificateRequestFinding({
      attempt: attempt({ class: 'unauthorized', line: `Detail: ${NOT_FOUND}` }),
      dns: { addresses: ['198.51.100.9'] },
      mine: ['203.0.113.7'],
      retryCommand,
    });
    expect(f?.remedy).toContain('chat.example.com resolves to 198.51.100.9, but this server is 203.0.113.7');
    expect(f?.remedy).toContain('another web server');
  });

  it("rate limit: do not retry before the time Let's Encrypt gave", () => {
    const f = certificateRequestFinding({
      attempt: attempt({ class: 'rate-limit', retryAfter: '2025-07-02 04:04:50 UTC' }),
      retryCommand,
    });
    expect(f?.remedy).toMatch(/^Do not retry before 2025-07-02 04:04:50 UTC/);
    expect(f?.remedy).not.toContain(retryCommand);
  });

  it('caa: the CAA record to add', () => {
    const f = certificateRequestFinding({
      attempt: attempt({ class: 'caa', line: `Detail: ${CAA}` }),
      retryCommand,
    });
    expect(f?.remedy).toContain('chat.example.com. 300 IN CAA 0 issue "letsencrypt.org"');
  });

  it('no finding for a request that succeeded or still runs', () => {
    expect(certificateRequestFinding({ attempt: attempt({ outcome: 'ok' }), retryCommand })).toBeUndefined();
    expect(
      certificateRequestFinding({ attempt: attempt({ outcome: 'pending' }), retryCommand }),
    ).toBeUndefined();
  });

  it("is one of every install's checks, over the gathered facts", () => {
    const check = installChecks.find((c) => c.id === 'certificate-request');
    const facts = {
      certificateRequest: { attempt: attempt({ class: 'dns' }), retryCommand },
    } as unknown as InstallFacts;
    expect(check?.run(facts)).toMatchObject({ id: 'certificate-request', class: 'dns', severity: 'fail' });
    expect(check?.run({} as InstallFacts)).toBeUndefined();
  });

  it("the request is looked at when the certificate is missing, not Let's Encrypt's, or expiring", () => {
    expect(
      certificateNeedsRequest({ error: 'connect ECONNREFUSED 127.0.0.1:443' }, LETS_ENCRYPT_ISSUER),
    ).toBe(true);
    expect(certificateNeedsRequest({ issuer: 'chat.example.com', daysLeft: 3650 }, LETS_ENCRYPT_ISSUER)).toBe(
      true,
    );
    expect(certificateNeedsRequest({ issuer: "Let's Encrypt", daysLeft: 3 }, LETS_ENCRYPT_ISSUER)).toBe(true);
    expect(certificateNeedsRequest({ issuer: "Let's Encrypt", daysLeft: 60 }, LETS_ENCRYPT_ISSUER)).toBe(
      false,
    );
    expect(certificateNeedsRequest(undefined, LETS_ENCRYPT_ISSUER)).toBe(false);
  });
});
