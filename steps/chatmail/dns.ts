import { isIP } from 'node:net';
import type { HostProbe } from '../../src/core/checks.js';
import { renderTemplate } from '../../src/core/template.js';

/**
 * The DNS side of a chatmail relay. Before the first start the domain needs A (and AAAA), `www` and
 * `mta-sts` CNAMEs: the relay's own setup (`cmdeploy run`) stops without them. Once it runs, the relay's
 * own check (`cmdeploy dns`) knows the rest (MX, DKIM, SPF, DMARC, MTA-STS, SRV...), and we show what it reports.
 */

export interface ServerAddresses {
  ipv4?: string;
  ipv6?: string;
  /** The IPv4 address is private (RFC 1918, CGNAT): the server is likely behind NAT. */
  ipv4Private?: boolean;
}

const PRIVATE_V4 =
  /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.|169\.254\.)/;

/** Picks the addresses the A and AAAA records should carry: public ones first; no AAAA for a non-global IPv6. */
export function serverAddresses(addresses: string[]): ServerAddresses {
  const v4 = addresses.filter((a) => isIP(a) === 4);
  const v6 = addresses.filter((a) => isIP(a) === 6 && /^[23]/.test(a));
  const publicV4 = v4.find((a) => !PRIVATE_V4.test(a));
  const ipv4 = publicV4 ?? v4[0];
  return {
    ...(ipv4 ? { ipv4 } : {}),
    ...(v6[0] ? { ipv6: v6[0] } : {}),
    ...(ipv4 && !publicV4 ? { ipv4Private: true } : {}),
  };
}

/** The records the domain needs before the relay starts, in zone-file form (upstream's README, TTL 1 hour). */
export function neededRecords(template: string, domain: string, addrs: ServerAddresses): string {
  const text = renderTemplate(template, { domain, ipv4: addrs.ipv4 ?? '', ipv6: addrs.ipv6 ?? '' });
  // Without an address of that family the line goes; with neither, A keeps a placeholder to fill in.
  return text
    .split('\n')
    .flatMap((l) => {
      if (/ IN AAAA $/.test(l)) return [];
      if (/ IN A $/.test(l)) return addrs.ipv6 ? [] : [`${l}<this server's public IPv4>`];
      return [l];
    })
    .join('\n');
}

export interface RecordVerdict {
  record: string;
  ok: boolean;
  detail: string;
}

/** Looks the needed records up (warnings only: DNS may lag behind, and the relay checks them again itself). */
export async function checkNeededRecords(
  probe: HostProbe,
  domain: string,
  addrs: ServerAddresses,
): Promise<RecordVerdict[]> {
  const mine = new Set([addrs.ipv4, addrs.ipv6].filter(Boolean));
  const cname = async (name: string): Promise<RecordVerdict> => {
    if (!probe.resolveCname)
      return { record: `${name} CNAME`, ok: false, detail: `${name}: not checked (no CNAME lookup here)` };
    const r = await probe.resolveCname(name);
    if (r.cname.includes(domain))
      return { record: `${name} CNAME`, ok: true, detail: `${name} is a CNAME of ${domain}` };
    if (r.cname.length > 0)
      return {
        record: `${name} CNAME`,
        ok: false,
        detail: `${name} is a CNAME of ${r.cname.join(', ')}, not ${domain}`,
      };
    return {
      record: `${name} CNAME`,
      ok: false,
      detail: `${name} has no CNAME record${r.error ? ` (${r.error})` : ''}`,
    };
  };
  const [addresses, www, mtaSts] = await Promise.all([
    probe.resolve(domain),
    cname(`www.${domain}`),
    cname(`mta-sts.${domain}`),
  ]);
  const verdicts: RecordVerdict[] = [];
  const family = (type: 'A' | 'AAAA', found: string[], want?: string) => {
    if (!want && found.length === 0) return;
    if (found.length === 0) {
      verdicts.push({
        record: `${domain} ${type}`,
        ok: false,
        detail: `${domain} has no ${type} record${addresses.error ? ` (${addresses.error})` : ''}`,
      });
    } else if (found.some((a) => mine.has(a))) {
      verdicts.push({
        record: `${domain} ${type}`,
        ok: true,
        detail: `${domain} ${type} ${found.join(', ')} (this server)`,
      });
    } else {
      verdicts.push({
        record: `${domain} ${type}`,
        ok: false,
        detail: `${domain} ${type} ${found.join(', ')}, but this server is ${want ?? 'not there'}`,
      });
    }
  };
  family('A', addresses.a, addrs.ipv4);
  family('AAAA', addresses.aaaa, addrs.ipv6);
  verdicts.push(www, mtaSts);
  return verdicts;
}

/** What `cmdeploy dns` reported: the records still to set, and anything else it said. */
export interface RelayDnsReport {
  required: string[];
  recommended: string[];
  /** The relay verified every record. */
  allSet: boolean;
  /** Lines that are neither records nor section headings (e.g. "could not get letsencrypt account url"). */
  problems: string[];
}

const RECORD = /^(\S+\.)\s+(?:(\d+)\s+)?(?:IN\s+)?(A|AAAA|CNAME|MX|TXT|SRV|CAA|NS)\s+(.+)$/;

/** A record line in the layout `cmdeploy dns` prints (name padded to 40, TTL to 6). */
export function zoneLine(name: string, ttl: string, type: string, data: string): string {
  return `${name.padEnd(40)} ${ttl.padEnd(6)} IN  ${type.padEnd(5)}  ${data}`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: colours are what is stripped
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').replace(/\r/g, '');

/**
 * Parses `cmdeploy dns --ssh-host @local` (chatmail/relay cmdeploy/src/cmdeploy/dns.py): records under
 * "Please set required DNS entries" are required, those after "WARNING: these recommended DNS entries are
 * not set" recommended; the initial check's "Missing ... record:" lines name required ones too. The
 * alternative DKIM form ("If the DKIM entry above does not work ...") is left out.
 */
export function parseRelayDnsCheck(stdout: string, stderr: string): RelayDnsReport {
  const report: RelayDnsReport = { required: [], recommended: [], allSet: false, problems: [] };
  let section: 'required' | 'recommended' | 'skip' = 'required';
  for (const raw of plain(stdout).split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (/^WARNING: these recommended DNS entries are not set/.test(line)) section = 'recommended';
    else if (/^If the DKIM entry above does not work/.test(line)) section = 'skip';
    else if (/^Please set required DNS entries/.test(line)) section = 'required';
    else {
      const m = RECORD.exec(line);
      if (m) {
        if (section === 'skip') section = 'required';
        else report[section].push(zoneLine(m[1] as string, m[2] ?? '3600', m[3] as string, m[4] as string));
      } else if (!/^Missing (MTA-STS|www) CNAME record:$/.test(line)) report.problems.push(line);
    }
  }
  for (const raw of plain(stderr).split('\n')) {
    const line = raw.trim();
    if (/^Great! All your DNS entries are verified and correct/.test(line)) report.allSet = true;
    else if (/^(could not|Missing |\[WARNING\]|Error|Traceback)/i.test(line)) report.problems.push(line);
  }
  return report;
}

/** The report as a zone-file snippet to paste at the DNS provider. */
export function relayDnsSnippet(report: RelayDnsReport): string {
  const lines: string[] = [];
  if (report.required.length) lines.push('; Required DNS entries', ...report.required);
  if (report.required.length && report.recommended.length) lines.push('');
  if (report.recommended.length) lines.push('; Recommended DNS entries', ...report.recommended);
  return lines.join('\n');
}
