import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostProbe } from '../../src/core/checks.js';
import {
  type ClockSample,
  clockCheck,
  DEFAULT_TIME_URL,
  estimateSkew,
  judgeClock,
} from '../../src/core/clock.js';
import type { HttpClient } from '../../src/core/context.js';
import { RealHostProbe } from '../../src/system/host.js';
import { FetchHttpClient } from '../../src/system/http.js';
import { FakeRunner } from '../helpers/fake-runner.js';

const URL_ = 'https://acme-v02.api.letsencrypt.org/directory';
// Recorded: a request sent at 12:00:00.200 local time, answered after 300 ms.
const SENT = Date.parse('2026-11-22T12:00:00.200Z');
const at = (skewSeconds: number, rtt = 300): ClockSample => ({
  url: URL_,
  sentAt: SENT,
  receivedAt: SENT + rtt,
  // The reference stamps its Date header (whole seconds) while the request is in flight.
  date: new Date(Math.floor((SENT + rtt / 2 + skewSeconds * 1000) / 1000) * 1000).toUTCString(),
});

describe('skew from a Date header, corrected for the round trip', () => {
  it('an exact clock measures within the uncertainty', () => {
    const e = estimateSkew(at(0));
    if ('error' in e) throw new Error(e.error);
    expect(e.uncertaintyMs).toBe(650);
    expect(Math.abs(e.skewMs)).toBeLessThanOrEqual(e.uncertaintyMs);
  });

  it('the sign says whether this clock is behind or ahead', () => {
    const behind = estimateSkew(at(600));
    const ahead = estimateSkew(at(-600));
    if ('error' in behind || 'error' in ahead) throw new Error('no estimate');
    expect(behind.skewMs).toBeGreaterThan(599_000);
    expect(ahead.skewMs).toBeLessThan(-599_000);
  });

  it('a slow round trip widens the uncertainty instead of showing as skew', () => {
    const slow = estimateSkew(at(0, 1400));
    if ('error' in slow) throw new Error(slow.error);
    expect(slow.uncertaintyMs).toBe(1200);
    expect(judgeClock(at(0, 1400), undefined).status).toBe('ok');
  });

  it('a missing or garbage Date header is "not measured", never a failure', () => {
    expect(estimateSkew({ url: URL_, sentAt: SENT, receivedAt: SENT + 10 })).toEqual({
      error: 'the answer has no Date header',
    });
    expect(estimateSkew({ url: URL_, sentAt: SENT, receivedAt: SENT + 10, date: 'yesterday-ish' })).toEqual({
      error: 'its Date header is unreadable ("yesterday-ish")',
    });
    expect(judgeClock({ url: URL_, sentAt: SENT, receivedAt: SENT + 10, date: '0' }, undefined)).toEqual({
      status: 'ok',
      detail: 'skew not measured (acme-v02.api.letsencrypt.org: its Date header is unreadable ("0"))',
    });
  });
});

describe('clock verdicts', () => {
  it('up to a few seconds: pass (the 1 s resolution and the round trip are noise)', () => {
    expect(judgeClock(at(3), true)).toEqual({
      status: 'ok',
      detail: 'within 4 s of acme-v02.api.letsencrypt.org; NTP synchronised',
    });
  });

  it('beyond 5 s: warn, naming what fails at 30 s', () => {
    const r = judgeClock(at(12), true);
    expect(r.status).toBe('warn');
    expect(r.detail).toMatch(
      /^this clock is 12 s behind acme-v02\.api\.letsencrypt\.org \(±0\.7 s\): beyond 30 s two-factor \(TOTP\) codes are refused; NTP synchronised$/,
    );
    expect(r.remedy).toContain('timesync-status');
  });

  it('10 minutes off: fail; two-factor codes are refused', () => {
    const r = judgeClock(at(-600), false);
    expect(r.status).toBe('fail');
    expect(r.detail).toBe(
      'this clock is 10 min 0 s ahead of acme-v02.api.letsencrypt.org (±0.7 s): two-factor (TOTP) codes are refused; NTP is not synchronised',
    );
    expect(r.remedy).toMatch(/^Turn on time synchronisation: timedatectl set-ntp true/);
  });

  it("beyond an hour: Mastodon's signatures and certificates too", () => {
    expect(judgeClock(at(2 * 3600 + 5), undefined).detail).toContain(
      "Mastodon's HTTP signatures are refused",
    );
    expect(judgeClock(at(2 * 3600 + 5), undefined).detail).toContain('2 h 0 min behind');
  });

  it('NTP off with a good clock: warn with timedatectl set-ntp true; unreachable reference: not measured', () => {
    expect(judgeClock(at(0), false)).toMatchObject({
      status: 'warn',
      remedy: 'Turn on time synchronisation: timedatectl set-ntp true',
    });
    expect(judgeClock({ url: URL_, error: 'timed out' }, undefined)).toEqual({
      status: 'ok',
      detail: 'skew not measured (acme-v02.api.letsencrypt.org: timed out)',
    });
    expect(judgeClock({ url: URL_, error: 'timed out' }, false).status).toBe('warn');
  });

  it('the check reads the probe; no probe, no verdict', async () => {
    const probe = { clock: async () => at(600), ntpSynchronized: async () => true } as unknown as HostProbe;
    expect((await clockCheck.run(probe, {})).status).toBe('fail');
    expect(await clockCheck.run({} as HostProbe, {})).toEqual({ status: 'ok', detail: 'not checked' });
  });
});

describe('the real probe', () => {
  const http = (
    answer: () => Promise<{ status: number; body: string; headers?: Record<string, string> }>,
  ): HttpClient => ({ request: answer });
  const probe = (h?: HttpClient, env: Record<string, string> = {}, runner = new FakeRunner([])) =>
    new RealHostProbe(runner, (p) => p, { env, ...(h ? { http: h } : {}) });

  it('asks WIZARD_TIME_URL, else the ACME directory, and returns its Date header', async () => {
    const seen: string[] = [];
    const h: HttpClient = {
      request: async (url) => {
        seen.push(url);
        return { status: 200, body: '{}', headers: { date: 'Sun, 22 Nov 2026 12:00:00 GMT' } };
      },
    };
    const s = await probe(h, { WIZARD_TIME_URL: 'http://127.0.0.1:9/t' }).clock();
    expect(s).toMatchObject({ url: 'http://127.0.0.1:9/t', date: 'Sun, 22 Nov 2026 12:00:00 GMT' });
    await probe(h).clock();
    expect(seen).toEqual(['http://127.0.0.1:9/t', DEFAULT_TIME_URL]);
  });

  it('a DNS failure or a timeout becomes an error in the sample, never a throw', async () => {
    const dns = Object.assign(new TypeError('fetch failed'), { cause: { code: 'EAI_AGAIN' } });
    expect(await probe(http(() => Promise.reject(dns))).clock()).toEqual({
      url: DEFAULT_TIME_URL,
      error: 'DNS lookup failed',
    });
    expect(await probe(http(() => Promise.reject(new Error('timed out')))).clock()).toEqual({
      url: DEFAULT_TIME_URL,
      error: 'timed out',
    });
  });

  it('NTP: yes / no from timedatectl; no systemd is "can\'t tell"', async () => {
    const row = (stdout: string, exitCode = 0) =>
      new FakeRunner([{ match: /^timedatectl show -p NTPSynchronized --value$/, stdout, exitCode }]);
    expect(await probe(undefined, {}, row('yes\n')).ntpSynchronized()).toBe(true);
    expect(await probe(undefined, {}, row('no\n')).ntpSynchronized()).toBe(false);
    expect(await probe(undefined, {}, row('', 1)).ntpSynchronized()).toBeUndefined();
    // timedatectl missing: the runner throws; not a finding.
    expect(await probe(undefined, {}, new FakeRunner([])).ntpSynchronized()).toBeUndefined();
  });

  describe('against a local HTTP server', () => {
    let server: Server | undefined;
    afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));
    const serve = (handler: Parameters<typeof createServer>[1]) =>
      new Promise<string>((resolve) => {
        const s = createServer(handler);
        server = s;
        s.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}/directory`),
        );
      });

    it('reads a Date header 10 minutes off as a failure', async () => {
      const url = await serve((_req, res) => {
        res.sendDate = false;
        res.writeHead(200, { date: new Date(Date.now() + 600_000).toUTCString() }).end('{}');
      });
      const sample = await probe(new FetchHttpClient(), { WIZARD_TIME_URL: url }).clock();
      expect(judgeClock(sample, undefined)).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(/^this clock is 10 min [0-9]+ s behind 127\.0\.0\.1:/),
      });
    });

    it("a reference that never answers ends in the probe's own timeout: not measured", async () => {
      const url = await serve(() => undefined);
      const sample = await probe(new FetchHttpClient(), { WIZARD_TIME_URL: url }).clock();
      expect(sample).toEqual({ url, error: 'timed out' });
      server?.closeAllConnections();
    });
  });
});
