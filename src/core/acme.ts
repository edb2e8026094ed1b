/**
 * Why a certificate request failed, read from an ACME client's output: the grammar (where an attempt
 * starts, what a success looks like, which line names which failure) is data a TLS terminator brings
 * (steps/proxy/acme.ts for certbot); this file only applies it and turns the class into a remedy.
 */
import type { Finding } from './doctor.js';
import { zoneRecords } from './reachability.js';

export type AcmeFailureClass = 'dns' | 'connection' | 'unauthorized' | 'rate-limit' | 'caa';

export interface AcmeFailurePattern {
  class: AcmeFailureClass;
  match: RegExp;
}

export interface AcmeLogGrammar {
  /** A new request starts; group 1 is the certificate's (primary) name. */
  attempt: RegExp[];
  /**
   * The client's own line inside an attempt (certbot's "Requesting a certificate for X" under the wrapper's
   * line): it starts an attempt only when none is open for that name. Its stdout line can reach the container
   * log after the stderr lines of the same run (two pipes), so it never opens a second attempt there.
   */
  inner?: RegExp[];
  /** Names the domain the following problem lines are about (certbot's "  Domain: X"); group 1. */
  domain?: RegExp;
  /** The request got (or already had) its certificate. */
  success: RegExp[];
  /** Failure lines, the first matching pattern of a line decides its class. */
  failures: AcmeFailurePattern[];
  /** "retry after 2025-07-02 04:04:50 UTC"; group 1. */
  retryAfter?: RegExp;
}

export interface AcmeAttempt {
  /** The certificate's name (the primary domain). */
  name: string;
  /** When the attempt's first line was logged (ISO), when the log carries timestamps. */
  at?: string;
  outcome: 'ok' | 'failed' | 'pending';
  class?: AcmeFailureClass;
  /** The domain the failing line is about (may differ from the certificate's name). */
  domain?: string;
  /** The line that decided the class. */
  line?: string;
  retryAfter?: string;
}

// Terminal colours (nginx-certbot prints its errors with tput): ESC [ ... m, ESC ( B.
const ANSI = new RegExp(`${String.fromCharCode(27)}(\\[[0-9;?]*[A-Za-z]|\\(B)`, 'g');
// docker logs --timestamps: "2026-11-22T04:56:33.123456789Z text"
const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)\s?/;

/** The newest attempt per certificate name: a later success clears an older failure. */
export function lastAttempts(log: string, grammar: AcmeLogGrammar): Map<string, AcmeAttempt> {
  const out = new Map<string, AcmeAttempt>();
  let current: AcmeAttempt | undefined;
  let domain: string | undefined;
  for (const raw of log.replace(ANSI, '').split('\n')) {
    const stamp = STAMP.exec(raw);
    const line = (stamp ? raw.slice(stamp[0].length) : raw).trimEnd();
    if (!line.trim()) continue;
    const start = grammar.attempt.map((r) => r.exec(line)).find((m) => m?.[1]);
    const inner = start ? undefined : grammar.inner?.map((r) => r.exec(line)).find((m) => m?.[1]);
    if (inner?.[1] && current?.name === inner[1].toLowerCase()) continue;
    const opened = start ?? inner;
    if (opened?.[1]) {
      const name = opened[1].toLowerCase();
      // The wrapper's line again while its attempt is still open: the same attempt.
      if (current?.name === name && current.outcome === 'pending') continue;
      current = { name, outcome: 'pending', ...(stamp?.[1] ? { at: stamp[1] } : {}) };
      domain = undefined;
      out.set(name, current);
      continue;
    }
    if (!current) continue;
    const d = grammar.domain?.exec(line);
    if (d?.[1]) {
      domain = d[1].toLowerCase();
      continue;
    }
    if (grammar.success.some((r) => r.test(line))) {
      if (current.outcome !== 'failed') current.outcome = 'ok';
      continue;
    }
    if (current.outcome === 'failed') {
      // The first classified line decides; a retry-after given later in the same attempt still counts.
      const later = grammar.retryAfter?.exec(line)?.[1];
      if (later && current.class === 'rate-limit' && !current.retryAfter) current.retryAfter = later;
      continue;
    }
    const hit = grammar.failures.find((p) => p.match.test(line));
    if (!hit) continue;
    current.outcome = 'failed';
    current.class = hit.class;
    current.line = line.trim().slice(0, 400);
    current.domain = domain ?? current.name;
    const retry = grammar.retryAfter?.exec(line)?.[1];
    if (retry) current.retryAfter = retry;
  }
  return out;
}

/** What the doctor knows besides the log: where the name points, this server's addresses, its firewall. */
export interface CertificateRequestFacts {
  attempt: AcmeAttempt;
  dns?: { addresses: string[]; error?: string };
  mine?: string[];
  firewall?: { tool: string; active: boolean; closed: number[]; openCommands?: string[] };
  /** The command that makes the client ask again (the proxy's SIGHUP). */
  retryCommand: string;
}

const TITLE = 'Certificate request';

/** One finding for a failed request: the class, its evidence and the remedy that class needs. */
export function certificateRequestFinding(f: CertificateRequestFacts): Finding | undefined {
  const a = f.attempt;
  if (a.outcome !== 'failed' || !a.class) return undefined;
  const domain = a.domain ?? a.name;
  const mine = f.mine ?? [];
  const addresses = f.dns?.addresses ?? [];
  const pointsHere = addresses.length > 0 && addresses.some((x) => mine.includes(x));
  const elsewhere = addresses.filter((x) => !mine.includes(x));
  const when = a.at ? ` (at ${a.at.replace(/\.\d+Z$/, 'Z')})` : '';
  const evidence = `${a.line}${when}`;
  const again = `Then ask again: ${f.retryCommand}`;
  const base = {
    id: 'certificate-request',
    severity: 'fail' as const,
    title: TITLE,
    class: a.class,
    evidence,
  };
  switch (a.class) {
    case 'dns': {
      const now = addresses.length
        ? pointsHere
          ? `${domain} now resolves to ${addresses.join(', ')} (this server). `
          : `${domain} now resolves to ${addresses.join(', ')}, not this server${mine.length ? ` (${mine.join(', ')})` : ''}. `
        : `${domain} still does not resolve${f.dns?.error ? ` (${f.dns.error})` : ''}. `;
      return {
        ...base,
        evidence: `Let's Encrypt could not look up ${domain}: ${evidence}`,
        remedy: `${now}${pointsHere ? '' : `Create at your DNS provider:\n${zoneRecords(domain, mine)}\n`}${again}`,
      };
    }
    case 'connection': {
      const fw = f.firewall;
      const local =
        fw?.active && fw.closed.length
          ? `${fw.tool} keeps TCP ${fw.closed.join(', ')} closed: ${fw.openCommands?.join('; ') ?? `open ${fw.closed.join(', ')}`}. `
          : fw?.active
            ? `${fw.tool} on this host lets 80 and 443 in. `
            : '';
      return {
        ...base,
        evidence: `Let's Encrypt could not connect to port 80 of ${domain}: ${evidence}`,
        remedy: `${local}Open TCP 80 and 443 to this server in its firewall and in your provider's cloud firewall (security group, in its web console); behind NAT, forward them to this server.${elsewhere.length && mine.length ? ` Note: ${domain} resolves to ${elsewhere.join(', ')}, this server is ${mine.join(', ')}.` : ''} ${again}`,
      };
    }
    case 'unauthorized':
      return {
        ...base,
        evidence: `Let's Encrypt reached ${domain} but not this proxy's challenge: ${evidence}`,
        remedy: `${elsewhere.length && mine.length ? `${domain} resolves to ${elsewhere.join(', ')}, but this server is ${mine.join(', ')}: point it here:\n${zoneRecords(domain, mine)}\n` : ''}The name points at another server, or another web server (or a CDN, a load balancer) answers on port 80 instead of this proxy: stop it, or turn the CDN proxying off for ${domain}. ${again}`,
      };
    case 'rate-limit':
      return {
        ...base,
        evidence: `Let's Encrypt refuses new requests for ${domain} for now: ${evidence}`,
        remedy: a.retryAfter
          ? `Do not retry before ${a.retryAfter}: every attempt before then fails. Fix what made the earlier requests fail first; meanwhile --tls selfsigned serves the site.`
          : 'Wait for the limit to pass (failed validations: 1 hour; certificates for the same names: up to 7 days) and fix what made the earlier requests fail first; do not restart the proxy in a loop. Meanwhile --tls selfsigned serves the site.',
      };
    case 'caa':
      return {
        ...base,
        evidence: `A CAA record forbids Let's Encrypt for ${domain}: ${evidence}`,
        remedy: `Add at your DNS provider (next to the CA you allow today):\n${domain.replace(/\.$/, '')}. 300 IN CAA 0 issue "letsencrypt.org"\n${again}`,
      };
  }
}

/** Is the served certificate a real one, or does the request deserve a look (missing, self-signed, expiring)? */
export function certificateNeedsRequest(
  c: { issuer: string; daysLeft: number } | { error: string } | undefined,
  issuer: RegExp,
): boolean {
  if (!c) return false;
  if ('error' in c) return true;
  return !issuer.test(c.issuer) || c.daysLeft < 7;
}
