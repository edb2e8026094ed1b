import { randomBytes } from 'node:crypto';
import { promises as dns } from 'node:dns';
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { CommandRunner } from '../core/context.js';
import {
  type CaaRecord,
  CHALLENGE_PREFIX,
  type DnsRecords,
  type FetchOutcome,
  type FirewallFacts,
  type PublicAddressFacts,
  type RoundTripFacts,
} from '../core/reachability.js';
import type { ReadinessProbe } from '../core/readiness-checks.js';
import { detectFirewall, type FirewallTarget } from './firewall.js';

export interface NetProbeOptions {
  runner: CommandRunner;
  env: Record<string, string | undefined>;
  /** Prefix for firewall commands (tests: ['ip', 'netns', 'exec', NS]). */
  firewallPrefix?: string[];
  /** The port the challenge listener takes (80). */
  challengePort?: number;
  timeoutMs?: number;
}

const DEFAULT_ECHO = 'https://api.ipify.org';
const DEFAULT_RESOLVER = '1.1.1.1';
const DEFAULT_MX = 'gmail-smtp-in.l.google.com';

const within = <T>(p: Promise<T>, ms: number, fallback: () => T): Promise<T> =>
  Promise.race([p, new Promise<T>((res) => setTimeout(() => res(fallback()), ms).unref())]);

function errorKind(code: string | undefined): Exclude<FetchOutcome, { ok: true }>['error'] {
  if (code === 'ETIMEDOUT' || code === 'ETIMEOUT' || code === 'timeout') return 'timeout';
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET') return 'refused';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'unreachable';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  return 'other';
}

/** GET http://HOST/path against one address, with the Host header set: what Let's Encrypt would see from here. */
export function fetchAt(
  address: string,
  port: number,
  host: string,
  path: string,
  timeoutMs: number,
): Promise<FetchOutcome> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (o: FetchOutcome) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        resolve(o);
      }
    };
    const req = httpRequest(
      { host: address, port, path, headers: { host }, timeout: timeoutMs, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < 4096) body += c;
        });
        res.on('end', () => finish({ ok: true, status: res.statusCode ?? 0, body }));
        res.on('error', (e: NodeJS.ErrnoException) =>
          finish({ ok: false, error: errorKind(e.code), detail: e.message }),
        );
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish({ ok: false, error: 'timeout', detail: `no answer within ${timeoutMs / 1000} s` });
    }, timeoutMs);
    req.on('timeout', () => {
      req.destroy();
      finish({ ok: false, error: 'timeout', detail: `no answer within ${timeoutMs / 1000} s` });
    });
    req.on('error', (e: NodeJS.ErrnoException) =>
      finish({ ok: false, error: errorKind(e.code), detail: e.code ?? e.message }),
    );
    req.end();
  });
}

/**
 * The outside probe's API (WIZARD_PROBE_URL): POST {"url": "http://DOMAIN/...", "timeoutMs": N} as JSON;
 * it fetches the URL from outside and answers {"ok": true, "status", "body"} or
 * {"ok": false, "error": "timeout" | "refused" | "unreachable" | "dns" | "other", "detail"}.
 */
export async function askOutsideProbe(
  probeUrl: string,
  url: string,
  timeoutMs: number,
): Promise<FetchOutcome | undefined> {
  try {
    const res = await fetch(probeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url, timeoutMs }),
      signal: AbortSignal.timeout(timeoutMs + 3000),
    });
    const j = (await res.json()) as FetchOutcome;
    return typeof j.ok === 'boolean' ? j : undefined;
  } catch {
    return undefined;
  }
}

function resolverFor(server: string | undefined, timeoutMs: number): dns.Resolver {
  const r = new dns.Resolver({ timeout: Math.min(timeoutMs, 2000), tries: 1 });
  if (server)
    r.setServers(
      server
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
  return r;
}

async function lookup(r: dns.Resolver, domain: string, timeoutMs: number): Promise<DnsRecords> {
  const one = (type: 'A' | 'AAAA') =>
    within(
      r.resolve(domain, type).then(
        (x) => ({ r: x as string[], e: undefined as string | undefined }),
        (e: NodeJS.ErrnoException) => ({ r: [] as string[], e: e.code === 'ENODATA' ? undefined : e.code }),
      ),
      timeoutMs,
      () => ({ r: [] as string[], e: 'ETIMEOUT' }),
    );
  const [a, aaaa] = await Promise.all([one('A'), one('AAAA')]);
  const error = a.e ?? (aaaa.e && a.r.length === 0 ? aaaa.e : undefined);
  if (error === 'ETIMEOUT') r.cancel();
  return { a: a.r, aaaa: aaaa.r, ...(error ? { error } : {}) };
}

/** The real network: interfaces, echo service, resolvers, the challenge listener, firewall, TCP connects. */
export class NetProbe implements ReadinessProbe {
  readonly mailProbeHost: string;
  private readonly timeoutMs: number;
  private facts?: Promise<PublicAddressFacts>;

  constructor(private readonly o: NetProbeOptions) {
    this.mailProbeHost = o.env.WIZARD_MAIL_PROBE_HOST || DEFAULT_MX;
    this.timeoutMs = o.timeoutMs ?? 4000;
  }

  publicAddressFacts(): Promise<PublicAddressFacts> {
    this.facts ??= (async () => {
      const local = Object.values(networkInterfaces())
        .flat()
        .filter((i) => i && !i.internal && !i.address.toLowerCase().startsWith('fe80'))
        .map((i) => i?.address ?? '')
        .filter(Boolean);
      const url = this.o.env.WIZARD_ECHO_URL || DEFAULT_ECHO;
      if (url === 'off') return { local };
      const echo = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) })
        .then(async (r) => {
          const text = (await r.text()).trim();
          return isIP(text)
            ? { address: text, url }
            : { error: `unexpected answer "${text.slice(0, 40)}"`, url };
        })
        .catch((e: Error) => ({
          error:
            e.name === 'TimeoutError'
              ? `no answer within ${this.timeoutMs / 1000} s`
              : ((e.cause as Error | undefined)?.message ?? e.message),
          url,
        }));
      return { local, echo };
    })();
    return this.facts;
  }

  resolveSystem(domain: string): Promise<DnsRecords> {
    return lookup(resolverFor(undefined, this.timeoutMs), domain, this.timeoutMs);
  }

  async resolvePublic(domain: string): Promise<DnsRecords & { resolver: string }> {
    const server = this.o.env.WIZARD_PUBLIC_RESOLVER || DEFAULT_RESOLVER;
    return {
      ...(await lookup(resolverFor(server, this.timeoutMs), domain, this.timeoutMs)),
      resolver: `the public resolver ${server}`,
    };
  }

  async caa(domain: string): Promise<{ records: CaaRecord[]; at?: string; error?: string }> {
    const r = resolverFor(this.o.env.WIZARD_PUBLIC_RESOLVER || DEFAULT_RESOLVER, this.timeoutMs);
    const labels = domain.replace(/\.$/, '').split('.');
    // The closest name up the tree that has CAA records decides (RFC 8659).
    for (let i = 0; i < labels.length - 1; i++) {
      const name = labels.slice(i).join('.');
      const got: { records: CaaRecord[]; error?: string } = await within<{
        records: CaaRecord[];
        error?: string;
      }>(
        r.resolveCaa(name).then(
          (x) => ({
            records: x.map((c) => ({
              critical: c.critical,
              tag:
                c.issue !== undefined
                  ? 'issue'
                  : c.issuewild !== undefined
                    ? 'issuewild'
                    : c.iodef !== undefined
                      ? 'iodef'
                      : 'other',
              value: c.issue ?? c.issuewild ?? c.iodef ?? '',
            })),
          }),
          (e: NodeJS.ErrnoException) =>
            e.code === 'ENODATA' || e.code === 'ENOTFOUND'
              ? { records: [] as CaaRecord[] }
              : { records: [] as CaaRecord[], error: e.code ?? e.message },
        ),
        this.timeoutMs,
        () => ({ records: [] as CaaRecord[], error: 'ETIMEOUT' }),
      );
      if (got.error) return got;
      if (got.records.length > 0) return { ...got, at: name };
    }
    return { records: [] };
  }

  async roundTrip(domain: string, addresses: string[], mine: string[]): Promise<RoundTripFacts> {
    const token = randomBytes(16).toString('hex');
    const port = this.o.challengePort ?? 80;
    const base = { domain, token, addresses, mine };
    const server: Server = createServer((req, res) => {
      if (req.url === `${CHALLENGE_PREFIX}${token}`) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
      } else res.writeHead(404).end('not found');
    });
    const listening = await new Promise<string | undefined>((resolve) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        resolve(e.code === 'EADDRINUSE' ? 'another process' : (e.code ?? e.message)),
      );
      server.listen({ port, host: '::', ipv6Only: false }, () => resolve(undefined));
    });
    if (listening) return { ...base, portBusy: listening };
    try {
      const path = `${CHALLENGE_PREFIX}${token}`;
      const target = addresses.find((a) => mine.includes(a)) ?? addresses[0];
      const probeUrl = this.o.env.WIZARD_PROBE_URL;
      const [local, outside] = await Promise.all([
        target ? fetchAt(target, port, domain, path, this.timeoutMs) : undefined,
        probeUrl && addresses.length
          ? askOutsideProbe(
              probeUrl,
              `http://${domain}${port === 80 ? '' : `:${port}`}${path}`,
              this.timeoutMs,
            )
          : undefined,
      ]);
      return { ...base, ...(local ? { local } : {}), ...(outside ? { outside } : {}) };
    } finally {
      server.closeAllConnections();
      await new Promise((res) => server.close(() => res(undefined)));
    }
  }

  firewall(ports: number[]): Promise<FirewallFacts> {
    const t: FirewallTarget = {
      runner: this.o.runner,
      ...(this.o.firewallPrefix ? { prefix: this.o.firewallPrefix } : {}),
    };
    return detectFirewall(t, ports);
  }

  tcpConnect(host: string, port: number): Promise<FetchOutcome | { ok: true }> {
    return new Promise((resolve) => {
      const s = connect({ host, port, timeout: this.timeoutMs });
      const done = (o: FetchOutcome | { ok: true }) => {
        s.destroy();
        resolve(o);
      };
      s.once('connect', () => done({ ok: true }));
      s.once('timeout', () =>
        done({ ok: false, error: 'timeout', detail: `no answer within ${this.timeoutMs / 1000} s` }),
      );
      s.once('error', (e: NodeJS.ErrnoException) =>
        done({ ok: false, error: errorKind(e.code), detail: e.code ?? e.message }),
      );
    });
  }

  async swapMiB(): Promise<number> {
    const text = await readFile('/proc/meminfo', 'utf8').catch(() => '');
    const kb = Number(/^SwapTotal:\s+(\d+)/m.exec(text)?.[1] ?? 0);
    return Math.round(kb / 1024);
  }
}
