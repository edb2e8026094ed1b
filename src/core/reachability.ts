/**
 * Is the host ready for its first certificate? Pure verdicts over what src/system/netprobe.ts and
 * src/system/firewall.ts gather (or a table in tests): public address, DNS, the HTTP round trip,
 * firewall, outbound mail, memory, CAA and recent Let's Encrypt attempts.
 */
import { isIP } from 'node:net';

export type Verdict = { status: 'ok' | 'warn' | 'fail'; detail: string; remedy?: string };

export interface DnsRecords {
  a: string[];
  aaaa: string[];
  /** A resolver error code (ENOTFOUND, ETIMEOUT, ...) when neither type answered. */
  error?: string;
}

export interface PublicAddressFacts {
  /** Addresses of the local interfaces (no loopback, no link-local). */
  local: string[];
  /** What the echo service saw, when it answered. */
  echo?: { address?: string; error?: string; url: string };
}

export type FetchOutcome =
  | { ok: true; status: number; body: string }
  | { ok: false; error: 'timeout' | 'refused' | 'unreachable' | 'dns' | 'other'; detail?: string };

export interface RoundTripFacts {
  domain: string;
  token: string;
  /** Port 80 was taken, so no listener could be started (what holds it). */
  portBusy?: string;
  /** Where the domain resolved (public resolver first, system resolver else). */
  addresses: string[];
  /** This host's public addresses. */
  mine: string[];
  local?: FetchOutcome;
  outside?: FetchOutcome;
}

export interface FirewallFacts {
  tool: 'ufw' | 'firewalld' | 'nftables' | 'iptables' | 'none';
  active: boolean;
  /** Needed ports the rules would not let in. */
  closed: number[];
  detail?: string;
  /** The commands that would open the closed ports. */
  openCommands?: string[];
}

export const CHALLENGE_PREFIX = '/.well-known/acme-challenge/wizard-';

// ---------- addresses ----------

const v4 = (a: string) => a.split('.').map(Number);

/** Private, shared (CGNAT), loopback, link-local and documentation ranges: not reachable from the Internet. */
export function isPrivateAddress(address: string): boolean {
  const kind = isIP(address);
  if (kind === 4) {
    const [a = 0, b = 0] = v4(address);
    return (
      a === 10 ||
      a === 127 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      a === 0
    );
  }
  if (kind === 6) {
    const x = address.toLowerCase();
    return (
      x === '::1' ||
      x.startsWith('fc') ||
      x.startsWith('fd') ||
      x.startsWith('fe80') ||
      x.startsWith('2001:db8')
    );
  }
  return false;
}

/** Public addresses of this host: the echo service's answer first, then the local non-private ones. */
export function publicAddressesOf(f: PublicAddressFacts): string[] {
  const out = new Set<string>();
  if (f.echo?.address) out.add(f.echo.address);
  for (const a of f.local) if (!isPrivateAddress(a)) out.add(a);
  return [...out];
}

export function judgePublicAddress(f: PublicAddressFacts): Verdict {
  const localPublic = f.local.filter((a) => !isPrivateAddress(a));
  const echo = f.echo?.address;
  const echoNote = f.echo
    ? echo
      ? `; ${f.echo.url} sees ${echo}`
      : `; echo service ${f.echo.url} did not answer (${f.echo.error ?? 'no answer'})`
    : '';
  if (echo && !f.local.includes(echo)) {
    const priv = f.local.filter(isPrivateAddress);
    return {
      status: 'warn',
      detail: `behind NAT: the Internet sees ${echo}, the interfaces hold ${f.local.join(', ') || 'no address'}${priv.length ? ' (private)' : ''}.`,
      remedy: `Forward TCP 80 and 443 (and the platform's other ports) from ${echo} to ${priv[0] ?? 'this server'}, and point the domain at ${echo}.`,
    };
  }
  if (echo)
    return {
      status: 'ok',
      detail: `${[...new Set([echo, ...localPublic])].join(', ')}${echoNote}`,
    };
  // The echo service was asked and did not answer: what the Internet sees is unknown, not confirmed.
  if (localPublic.length > 0 && f.echo)
    return {
      status: 'warn',
      detail: `unknown: the interfaces hold ${localPublic.join(', ')}${echoNote}.`,
      remedy: `Check that this server reaches the Internet (curl ${f.echo.url}); behind NAT, forward TCP 80 and 443 to it.`,
    };
  if (localPublic.length > 0) return { status: 'ok', detail: localPublic.join(', ') };
  return {
    status: 'warn',
    detail: `only private addresses (${f.local.join(', ') || 'none'})${echoNote}: this host is private-only or behind NAT.`,
    remedy:
      "Let's Encrypt must reach this server on port 80 from the Internet: give it a public address or forward 80/443 to it, or use --tls selfsigned.",
  };
}

// ---------- DNS ----------

/** The records to create, in zone-file form. */
export function zoneRecords(domain: string, addresses: string[]): string {
  const fqdn = `${domain.replace(/\.$/, '')}.`;
  const lines = addresses.map((a) => `${fqdn} 300 IN ${isIP(a) === 6 ? 'AAAA' : 'A'} ${a}`);
  return lines.length ? lines.join('\n') : `${fqdn} 300 IN A <this server's public IPv4>`;
}

export function judgeDns(
  domain: string,
  system: DnsRecords,
  pub: DnsRecords | undefined,
  mine: string[],
  resolverName = 'the public resolver',
): Verdict {
  const sys = [...system.a, ...system.aaaa].sort();
  const pubs = pub ? [...pub.a, ...pub.aaaa].sort() : undefined;
  const records = zoneRecords(domain, mine);
  if (pub?.error === 'ETIMEOUT' || pub?.error === 'ECONNREFUSED' || pub?.error === 'timeout') {
    // The public resolver is unreachable: judge by the system resolver alone, and say so.
    const inner = judgeDns(domain, system, undefined, mine);
    return {
      ...inner,
      status: inner.status === 'fail' ? 'fail' : 'warn',
      detail: `${inner.detail} (${resolverName} did not answer: ${pub.error})`,
    };
  }
  const seen = pubs ?? sys;
  if (seen.length === 0) {
    return {
      status: 'warn',
      detail: `not set: ${domain} has no A or AAAA record${(pub ?? system).error ? ` (${(pub ?? system).error})` : ''}.`,
      remedy: `Create at your DNS provider:\n${records}`,
    };
  }
  if (pubs && sys.length > 0 && pubs.join() !== sys.join()) {
    return {
      status: 'warn',
      detail: `not yet propagated: ${resolverName} gives ${pubs.join(', ')}, this host's resolver gives ${sys.join(', ')}.`,
      remedy: `Wait for the old records' TTL to run out (check with: dig +short ${domain} A @1.1.1.1); the records should be:\n${records}`,
    };
  }
  if (pubs && sys.length === 0 && system.error) {
    // The system resolver fails where the public one answers: a local resolver problem, not the zone's.
  }
  if (mine.length === 0)
    return {
      status: 'warn',
      detail: `${domain} -> ${seen.join(', ')}; this server's public address is unknown.`,
    };
  const match = seen.filter((a) => mine.includes(a));
  const other = seen.filter((a) => !mine.includes(a));
  if (match.length > 0 && other.length === 0)
    return { status: 'ok', detail: `${domain} -> ${seen.join(', ')} (this server)` };
  return {
    status: 'warn',
    detail: `points elsewhere: ${domain} -> ${seen.join(', ')}, but this server is ${mine.join(', ')}.`,
    remedy: `Replace ${other.length === seen.length ? 'the records' : `the records for ${other.join(', ')}`} at your DNS provider with:\n${records}\nLet's Encrypt fails until then.`,
  };
}

// ---------- round trip ----------

const describe = (o: FetchOutcome, token: string): string => {
  if (o.ok)
    return o.body.trim() === token
      ? `HTTP ${o.status}, the token`
      : `HTTP ${o.status}, not the token (${o.body.trim().slice(0, 60) || 'empty body'})`;
  return `${o.error}${o.detail ? ` (${o.detail})` : ''}`;
};

/** Why the challenge URL does not come back: DNS, a firewall dropping the port, or another server answering. */
export function judgeRoundTrip(f: RoundTripFacts): Verdict {
  const url = `http://${f.domain}${CHALLENGE_PREFIX}${f.token}`;
  if (f.portBusy) return { status: 'ok', detail: `not run: port 80 is held by ${f.portBusy}.` };
  // DNS is judged (and warned about) by the DNS check; here it only explains why the round trip can't work.
  if (f.addresses.length === 0)
    return {
      status: 'warn',
      detail: `DNS is wrong: ${f.domain} does not resolve, so ${url} can't be reached.`,
      remedy: `Create the records first (or go on today with --tls selfsigned):\n${zoneRecords(f.domain, f.mine)}`,
    };
  if (f.mine.length > 0 && !f.addresses.some((a) => f.mine.includes(a))) {
    return {
      status: 'warn',
      detail: `DNS is wrong: ${f.domain} -> ${f.addresses.join(', ')}, not this server (${f.mine.join(', ')}).`,
      remedy: `Point it here (or go on today with --tls selfsigned):\n${zoneRecords(f.domain, f.mine)}`,
    };
  }
  const tried = [
    f.local ? `from this host: ${describe(f.local, f.token)}` : '',
    f.outside ? `from outside: ${describe(f.outside, f.token)}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  const good = (o?: FetchOutcome) => o?.ok === true && o.body.trim() === f.token;
  const wrong = [f.local, f.outside].find((o) => o?.ok === true && o.body.trim() !== f.token);
  if (wrong) {
    return {
      status: 'fail',
      detail: `something else answers on port 80: ${tried}.`,
      remedy:
        "Another web server (or a load balancer, or the provider's parking page) answers for this address; stop it, or check that the domain points at this server.",
    };
  }
  const dropped = [f.local, f.outside].find((o) => o?.ok === false && o.error === 'timeout');
  if (dropped) {
    return {
      status: 'fail',
      detail: `a firewall drops port 80: ${tried}.`,
      remedy:
        "Open TCP 80 and 443 in this server's firewall (the wizard offers to) and in your provider's cloud firewall (its web console).",
    };
  }
  const refused = [f.local, f.outside].find(
    (o) => o?.ok === false && (o.error === 'refused' || o.error === 'unreachable'),
  );
  if (refused)
    return {
      status: 'fail',
      detail: `port 80 is closed (connection refused or unreachable): ${tried}.`,
      remedy:
        'A firewall rejects the port, or a NAT router does not forward it: open or forward TCP 80 and 443 to this server.',
    };
  const other = [f.local, f.outside].find((o) => o !== undefined && !good(o));
  if (other)
    return {
      status: 'fail',
      detail: `the round trip fails: ${tried}.`,
      remedy: `Fetch ${url} by hand while the wizard runs to see why.`,
    };
  if (!f.local && !f.outside)
    return { status: 'warn', detail: 'not run: no way to fetch the challenge URL.' };
  return { status: 'ok', detail: `${url} comes back ${tried}` };
}

// The host's own verdicts (firewall, outbound mail, memory and swap, CAA, recent attempts) live in host-judges.ts.
export {
  type CaaRecord,
  judgeAttempts,
  judgeCaa,
  judgeFirewall,
  judgeMemory,
  judgeOutboundMail,
  swapFilePlan,
  swapNeededMiB,
} from './host-judges.js';
