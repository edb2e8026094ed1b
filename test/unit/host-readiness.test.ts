import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/core/answers.js';
import type { HostProbe } from '../../src/core/checks.js';
import { dnsCheck } from '../../src/core/checks.js';
import {
  isPrivateAddress,
  judgeAttempts,
  judgeCaa,
  judgeDns,
  judgeFirewall,
  judgeMemory,
  judgeOutboundMail,
  judgePublicAddress,
  judgeRoundTrip,
  publicAddressesOf,
  swapFilePlan,
  swapNeededMiB,
  zoneRecords,
} from '../../src/core/reachability.js';
import {
  platformReadiness,
  type ReadinessProbe,
  readinessInputFor,
  withReadinessChecks,
} from '../../src/core/readiness-checks.js';
import { runChecks } from '../../src/engine/run-checks.js';
import {
  openCommandsFor,
  parseFirewalld,
  parseIptables,
  parseNft,
  parseUfw,
} from '../../src/system/firewall.js';

const D = 'chat.example.com';
const ME = '203.0.113.10';

describe('public address', () => {
  it('tells private ranges apart', () => {
    for (const a of ['10.1.2.3', '172.16.0.1', '192.168.1.1', '100.64.0.1', '127.0.0.1', 'fd00::1', '::1'])
      expect(isPrivateAddress(a), a).toBe(true);
    for (const a of ['203.0.113.10', '8.8.8.8', '2a01:4f8::1', '172.32.0.1'])
      expect(isPrivateAddress(a), a).toBe(false);
  });
  it('passes with a public interface address', () => {
    expect(judgePublicAddress({ local: [ME, '10.0.0.2'] })).toMatchObject({ status: 'ok', detail: ME });
  });
  it('names NAT when the echo service sees another address', () => {
    const v = judgePublicAddress({ local: ['192.168.1.5'], echo: { address: ME, url: 'http://echo' } });
    expect(v.status).toBe('warn');
    expect(v.detail).toMatch(/behind NAT: the Internet sees 203\.0\.113\.10.*192\.168\.1\.5 \(private\)/);
    expect(publicAddressesOf({ local: ['192.168.1.5'], echo: { address: ME, url: 'x' } })).toEqual([ME]);
  });
  it('is unknown, a warning and not a pass, when the echo service does not answer', () => {
    const v = judgePublicAddress({
      local: [ME],
      echo: { error: 'getaddrinfo ENOTFOUND', url: 'http://echo' },
    });
    expect(v.status).toBe('warn');
    expect(v.detail).toBe(
      `unknown: the interfaces hold ${ME}; echo service http://echo did not answer (getaddrinfo ENOTFOUND).`,
    );
    expect(v.remedy).toContain('curl http://echo');
  });
  it('warns on a private-only host when the echo service does not answer', () => {
    const v = judgePublicAddress({
      local: ['10.0.0.2'],
      echo: { error: 'no answer within 4 s', url: 'http://echo' },
    });
    expect(v.status).toBe('warn');
    expect(v.detail).toMatch(
      /only private addresses \(10\.0\.0\.2\).*did not answer.*private-only or behind NAT/,
    );
  });
});

describe('DNS', () => {
  const none = { a: [], aaaa: [] };
  it('writes the records in zone-file form', () => {
    expect(zoneRecords(D, [ME, '2001:db8::5'])).toBe(`${D}. 300 IN A ${ME}\n${D}. 300 IN AAAA 2001:db8::5`);
  });
  it('not set', () => {
    const v = judgeDns(D, { ...none, error: 'ENOTFOUND' }, { ...none, error: 'ENOTFOUND' }, [ME]);
    expect(v).toMatchObject({ status: 'warn' });
    expect(v.detail).toMatch(/^not set/);
    expect(v.remedy).toContain(`${D}. 300 IN A ${ME}`);
  });
  it('points elsewhere', () => {
    const v = judgeDns(D, { a: ['198.51.100.7'], aaaa: [] }, { a: ['198.51.100.7'], aaaa: [] }, [ME]);
    expect(v.detail).toMatch(/^points elsewhere: .*198\.51\.100\.7.*this server is 203\.0\.113\.10/);
    expect(v.remedy).toContain(`${D}. 300 IN A ${ME}`);
  });
  it('not yet propagated: the public resolver and the system resolver disagree', () => {
    const v = judgeDns(
      D,
      { a: ['198.51.100.7'], aaaa: [] },
      { a: [ME], aaaa: [] },
      [ME],
      'the public resolver 1.1.1.1',
    );
    expect(v.status).toBe('warn');
    expect(v.detail).toMatch(
      /^not yet propagated: the public resolver 1\.1\.1\.1 gives 203\.0\.113\.10, this host's resolver gives 198\.51\.100\.7/,
    );
  });
  it('passes when both agree on this server', () => {
    expect(judgeDns(D, { a: [ME], aaaa: [] }, { a: [ME], aaaa: [] }, [ME]).status).toBe('ok');
  });
  it('a silent public resolver: judged by the system resolver, with a warning', () => {
    const v = judgeDns(
      D,
      { a: [ME], aaaa: [] },
      { ...none, error: 'ETIMEOUT' },
      [ME],
      'the public resolver 10.9.9.9',
    );
    expect(v.status).toBe('warn');
    expect(v.detail).toMatch(/this server.*10\.9\.9\.9 did not answer: ETIMEOUT/);
  });
});

describe('round trip', () => {
  const base = { domain: D, token: 'tok', addresses: [ME], mine: [ME] };
  it('passes when the token comes back from here and from outside', () => {
    expect(
      judgeRoundTrip({
        ...base,
        local: { ok: true, status: 200, body: 'tok' },
        outside: { ok: true, status: 200, body: 'tok' },
      }).status,
    ).toBe('ok');
  });
  it('DNS is wrong', () => {
    const v = judgeRoundTrip({ ...base, addresses: ['198.51.100.7'] });
    expect(v).toMatchObject({ status: 'warn' });
    expect(v.remedy).toContain('--tls selfsigned');
    expect(v.detail).toMatch(/^DNS is wrong/);
    expect(judgeRoundTrip({ ...base, addresses: [] }).detail).toMatch(/^DNS is wrong: .* does not resolve/);
  });
  it('a firewall drops the port (timeout)', () => {
    const v = judgeRoundTrip({
      ...base,
      local: { ok: true, status: 200, body: 'tok' },
      outside: { ok: false, error: 'timeout' },
    });
    expect(v.detail).toMatch(/^a firewall drops port 80/);
    expect(v.remedy).toMatch(/cloud firewall/);
  });
  it('something else answers on the port', () => {
    const v = judgeRoundTrip({ ...base, local: { ok: true, status: 404, body: 'nginx default page' } });
    expect(v.detail).toMatch(/^something else answers on port 80/);
  });
  it('connection refused', () => {
    expect(judgeRoundTrip({ ...base, outside: { ok: false, error: 'refused' } }).detail).toMatch(
      /^port 80 is closed/,
    );
  });
  it('port 80 busy: not run', () => {
    expect(judgeRoundTrip({ ...base, portBusy: 'nginx' })).toMatchObject({
      status: 'ok',
      detail: 'not run: port 80 is held by nginx.',
    });
  });
});

describe('firewall', () => {
  it('parses ufw', () => {
    const out =
      'Status: active\n\nTo                         Action      From\n--                         ------      ----\n22/tcp                     ALLOW       Anywhere\n80/tcp                     ALLOW       Anywhere\n22/tcp (v6)                ALLOW       Anywhere (v6)\n';
    expect(parseUfw(out, [80, 443])).toEqual({ tool: 'ufw', active: true, closed: [443] });
    expect(parseUfw('Status: inactive\n', [80])).toMatchObject({ active: false, closed: [] });
  });
  it('parses firewalld', () => {
    expect(parseFirewalld('running', '8080/tcp', 'ssh http dhcpv6-client', [80, 443])).toMatchObject({
      tool: 'firewalld',
      closed: [443],
    });
  });
  it('parses an nft input chain that drops a port, and a drop policy', () => {
    const drop =
      'table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t\ttcp dport 443 drop\n\t}\n}\n';
    const f = parseNft(drop, [80, 443]);
    expect(f).toMatchObject({
      tool: 'nftables',
      active: true,
      closed: [443],
      chain: { family: 'inet', table: 'filter', name: 'input' },
    });
    expect(openCommandsFor(f, f.closed)).toEqual([
      ['nft', 'insert', 'rule', 'inet', 'filter', 'input', 'tcp', 'dport', '443', 'accept'],
    ]);
    const policy =
      'table ip t {\n\tchain in {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tct state established,related accept\n\t\ttcp dport { 22, 80 } accept\n\t}\n}\n';
    expect(parseNft(policy, [80, 443]).closed).toEqual([443]);
  });
  it('parses iptables', () => {
    expect(
      parseIptables('-P INPUT DROP\n-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT\n', [80, 443]),
    ).toMatchObject({ tool: 'iptables', closed: [443] });
    expect(parseIptables('-P INPUT ACCEPT\n', [80])).toMatchObject({ active: false, closed: [] });
  });
  it('judges: closed ports with the commands, the cloud firewall reminder', () => {
    const v = judgeFirewall(
      { tool: 'ufw', active: true, closed: [443], openCommands: ['ufw allow 443/tcp'] },
      [80, 443],
    );
    expect(v).toMatchObject({ status: 'warn', detail: 'ufw keeps closed: 443.' });
    expect(v.remedy).toMatch(/ufw allow 443\/tcp.*cloud firewall/);
    expect(judgeFirewall({ tool: 'ufw', active: true, closed: [] }, [80, 443], [443]).detail).toMatch(
      /opened by the wizard: 443/,
    );
    expect(judgeFirewall({ tool: 'none', active: false, closed: [] }, [80]).status).toBe('ok');
    expect(judgeFirewall({ tool: 'ufw', active: true, closed: [443] }, [80, 443], [443]).detail).toMatch(
      /The wizard had opened 443: something closed them again/,
    );
  });
});

describe('outbound mail', () => {
  it('warns when the provider blocks 25', () => {
    const v = judgeOutboundMail({ host: 'mx.example', result: { ok: false, error: 'timeout' } });
    expect(v).toMatchObject({ status: 'warn', detail: 'mx.example:25 times out' });
    expect(v.remedy).toMatch(/blocks outbound port 25/);
  });
  it('passes and names the SMTP host', () => {
    expect(
      judgeOutboundMail(
        { host: 'mx.example', result: { ok: true } },
        { host: 'smtp.example', port: 587, result: { ok: true } },
      ),
    ).toMatchObject({ status: 'ok', detail: 'mx.example:25 answers; smtp.example:587 answers' });
  });
});

describe('memory and swap', () => {
  it('offers swap of the right size between minimum and recommended', () => {
    expect(swapNeededMiB(2048, 0, 4096)).toBe(2048);
    expect(swapNeededMiB(1500, 0, 4096)).toBe(3072);
    const v = judgeMemory(2048, 0, 4096, 2048);
    expect(v.status).toBe('warn');
    expect(v.remedy).toMatch(/Add a 2\.0 GiB swap file/);
    expect(judgeMemory(2048, 2048, 4096, 2048).status).toBe('ok');
  });
  it('stops below the minimum, naming it', () => {
    expect(judgeMemory(1024, 4096, 4096, 2048)).toMatchObject({
      status: 'fail',
      remedy: expect.stringMatching(/at least 2\.0 GiB/),
    });
  });
  it('plans the swap file and its fstab line', () => {
    expect(swapFilePlan('/r/swapfile', 2048)).toEqual({
      commands: [
        ['fallocate', '-l', '2048M', '/r/swapfile'],
        ['chmod', '600', '/r/swapfile'],
        ['mkswap', '/r/swapfile'],
        ['swapon', '/r/swapfile'],
      ],
      fstabLine: '/r/swapfile none swap sw 0 0',
    });
  });
});

describe("Let's Encrypt pre-checks", () => {
  it('CAA: none, allowed, forbidden', () => {
    expect(judgeCaa(D, { records: [] }).status).toBe('ok');
    expect(
      judgeCaa(D, { records: [{ critical: 0, tag: 'issue', value: 'letsencrypt.org' }], at: 'example.com' })
        .status,
    ).toBe('ok');
    const v = judgeCaa(D, {
      records: [{ critical: 0, tag: 'issue', value: 'digicert.com' }],
      at: 'example.com',
    });
    expect(v.status).toBe('fail');
    expect(v.remedy).toContain('example.com. 300 IN CAA 0 issue "letsencrypt.org"');
    expect(v.remedy).toContain('--tls selfsigned');
  });
  it('warns before a second failed attempt within the hour', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    expect(judgeAttempts([], now).status).toBe('ok');
    expect(judgeAttempts([{ at: '2026-01-01T10:00:00Z', ok: false }], now).status).toBe('ok');
    const v = judgeAttempts([{ at: '2026-01-01T11:40:00Z', ok: false }], now);
    expect(v.status).toBe('warn');
    expect(v.remedy).toMatch(/--tls selfsigned/);
  });
});

describe('the checks, shared by the preflight and doctor', () => {
  const probe = (r: Partial<ReadinessProbe>): HostProbe =>
    ({
      memoryMiB: () => 8192,
      resolve: async () => ({ a: [ME], aaaa: [] }),
      publicAddresses: async () => [ME],
      readiness: {
        mailProbeHost: 'mx.example',
        publicAddressFacts: async () => ({ local: [ME] }),
        resolveSystem: async () => ({ a: [ME], aaaa: [] }),
        resolvePublic: async () => ({ a: [ME], aaaa: [], resolver: 'the public resolver 1.1.1.1' }),
        caa: async () => ({ records: [] }),
        roundTrip: async (domain: string, addresses: string[], mine: string[]) => ({
          domain,
          token: 't',
          addresses,
          mine,
          local: { ok: true as const, status: 200, body: 't' },
        }),
        firewall: async () => ({ tool: 'none' as const, active: false, closed: [] }),
        tcpConnect: async () => ({ ok: true as const }),
        swapMiB: async () => 0,
        ...r,
      },
    }) as unknown as HostProbe;

  it('adds the readiness checks only for a public domain, the round trip only with letsencrypt', () => {
    expect(withReadinessChecks([dnsCheck], { domain: 'localhost', tls: 'none' }).map((c) => c.id)).toEqual([
      'dns',
    ]);
    expect(withReadinessChecks([dnsCheck], { domain: D, tls: 'selfsigned' }).map((c) => c.id)).toEqual([
      'dns',
      'public-address',
      'firewall',
      'outbound-mail',
      'swap',
    ]);
    expect(withReadinessChecks([dnsCheck], { domain: D, tls: 'letsencrypt' }).map((c) => c.id)).toContain(
      'reachability',
    );
  });

  it("takes public ports and mail from the platform's data", async () => {
    const { default: chatmail } = await import('../../steps/chatmail/index.js');
    const { default: mattermost } = await import('../../steps/mattermost/index.js');
    const relay = platformReadiness(
      chatmail,
      withDefaults(
        { platform: 'chatmail', domain: D, email: 'a@b.example', tls: 'letsencrypt', extra: {} },
        chatmail,
      ),
    );
    // 53 is the relay's own resolver: never asked to be open to the world.
    expect(relay.publicPorts).toEqual([25, 80, 143, 443, 465, 587, 993]);
    expect(relay.mail).toEqual({ direct: true });
    const mm = platformReadiness(
      mattermost,
      withDefaults(
        { platform: 'mattermost', domain: D, email: 'a@b.example', tls: 'letsencrypt', extra: {} },
        mattermost,
      ),
    );
    expect(mm.publicPorts).toEqual([80, 443]);
    expect(mm.mail).toBeUndefined();
  });

  it('runs every check to a verdict', async () => {
    const answers = { domain: D, tls: 'letsencrypt' as const, extra: { smtpHost: 'smtp.example' } };
    const checks = withReadinessChecks([dnsCheck], answers);
    const readiness = readinessInputFor(answers, { ports: [3000, 25], memoryMiB: 4096, sendsMail: true });
    expect(readiness).toMatchObject({
      publicPorts: [25, 80, 443],
      mail: { direct: true, smtp: { host: 'smtp.example', port: 587 } },
    });
    const out = await runChecks(checks, probe({}), { answers, memoryMiB: 4096, readiness });
    expect(Object.fromEntries(out.map((o) => [o.id, o.status]))).toEqual({
      dns: 'ok',
      'public-address': 'ok',
      firewall: 'ok',
      'outbound-mail': 'ok',
      swap: 'ok',
      caa: 'ok',
      'le-attempts': 'ok',
      reachability: 'ok',
    });
  });

  it('the DNS check falls back to the plain one without a readiness probe', async () => {
    const [o] = await runChecks(
      withReadinessChecks([dnsCheck], { domain: D, tls: 'letsencrypt' }).slice(0, 1),
      {
        resolve: async () => ({ a: [ME], aaaa: [] }),
        publicAddresses: async () => [ME],
      } as unknown as HostProbe,
      { answers: { domain: D } },
    );
    expect(o).toMatchObject({ id: 'dns', status: 'ok' });
  });

  it('the round trip is skipped with selfsigned', async () => {
    const rt = withReadinessChecks([], { domain: D, tls: 'letsencrypt' }).find(
      (c) => c.id === 'reachability',
    );
    expect(await rt?.run(probe({}), { answers: { domain: D, tls: 'selfsigned' } })).toMatchObject({
      status: 'ok',
      detail: 'not needed with --tls selfsigned',
    });
  });
});
