import type { Check, CheckResult } from './checks.js';

/** The domain's A/AAAA records against this server's public addresses (Let's Encrypt needs them to match). */
export const dnsCheck: Check = {
  id: 'dns',
  title: 'DNS',
  async run(probe, input) {
    const domain = input.answers?.domain;
    if (!domain || domain === 'localhost' || /^[\d.:]+$/.test(domain)) return ok('no public domain to check');
    const [records, mine] = await Promise.all([probe.resolve(domain), probe.publicAddresses()]);
    const found = [...records.a, ...records.aaaa];
    if (found.length === 0) {
      return warn(
        `${domain} has no A or AAAA record${records.error ? ` (${records.error})` : ''}.`,
        `Create an A record: ${domain}. 300 IN A ${mine.find((a) => !a.includes(':')) ?? "<this server's IPv4>"}`,
      );
    }
    if (mine.length === 0)
      return warn(`${domain} -> ${found.join(', ')}; this server's public address is unknown.`);
    const match = found.filter((a) => mine.includes(a));
    if (match.length > 0) return ok(`${domain} -> ${found.join(', ')} (this server)`);
    return warn(
      `${domain} -> ${found.join(', ')}, but this server is ${mine.join(', ')}.`,
      `Point ${domain} at this server (A ${mine.find((a) => !a.includes(':')) ?? mine[0]}); Let's Encrypt will fail until it does.`,
    );
  },
};

function ok(detail: string): CheckResult {
  return { status: 'ok', detail };
}
function warn(detail: string, remedy?: string): CheckResult {
  return { status: 'warn', detail, ...(remedy ? { remedy } : {}) };
}
