import type { DoctorCheck, Finding, GatherContext } from '../../src/core/doctor.js';
import { checkNeededRecords, type RecordVerdict, serverAddresses } from './dns.js';
import { SERVICE } from './tasks.js';

/** The units inside the relay's container that its own health check requires (chatmail/docker). */
export const UNITS = [
  'postfix',
  'dovecot',
  'nginx',
  'unbound',
  'doveauth',
  'filtermail',
  'filtermail-incoming',
  'filtermail-transport',
  'chatmail-metadata',
];

/** What chatmail's doctor reads beyond the shared facts. */
export interface ChatmailFacts {
  /** `systemctl is-active` of each unit, or why it could not be asked. */
  units: Record<string, string> | { error: string };
  /** The records the domain needs (as the install shows them), looked up. */
  dns?: RecordVerdict[] | { error: string };
}

const within = <T>(p: Promise<T>, ms: number, fallback: T): Promise<T> =>
  Promise.race([p, new Promise<T>((res) => setTimeout(() => res(fallback), ms).unref())]);

/** Parses `systemctl is-active UNIT...`: one state a line, in the order asked. */
export function parseIsActive(units: string[], stdout: string): Record<string, string> | undefined {
  const lines = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length !== units.length) return undefined;
  return Object.fromEntries(units.map((u, i) => [u, lines[i] ?? 'unknown']));
}

export async function gather(ctx: GatherContext): Promise<Record<string, unknown>> {
  const domain = ctx.answers.domain;
  const local = /^(localhost|[\d.]+|[0-9a-f:]+)$/i.test(domain);
  const [units, dns] = await Promise.all([
    ctx.compose(['exec', '-T', SERVICE, 'systemctl', 'is-active', ...UNITS], 6000).then(
      (r): ChatmailFacts['units'] =>
        parseIsActive(UNITS, r.stdout) ?? {
          error: (r.stderr.trim().split('\n').pop() || `exit code ${r.exitCode}`).slice(0, 200),
        },
    ),
    local
      ? undefined
      : within(
          (async () =>
            checkNeededRecords(
              ctx.probe,
              domain,
              serverAddresses(await ctx.probe.publicAddresses()),
            ))().catch((e: Error) => ({ error: e.message })),
          5000,
          { error: 'no DNS answer within 5 s' },
        ),
  ]);
  const facts: ChatmailFacts = { units, ...(dns ? { dns } : {}) };
  return { chatmail: facts };
}

const mine = (extra: Record<string, unknown> | undefined) => extra?.chatmail as ChatmailFacts | undefined;

export const checks: DoctorCheck[] = [
  {
    id: 'chatmail.services',
    title: 'Relay services',
    run(f) {
      const m = mine(f.extra);
      if (!m) return undefined;
      const logs = `wizard logs ${f.name} ${SERVICE} --tail 100`;
      if ('error' in m.units) {
        // A stopped container is named by the container check already.
        return {
          id: 'chatmail.services',
          severity: 'warn',
          title: 'Relay services',
          evidence: `systemctl inside the ${SERVICE} container did not answer: ${m.units.error}`,
          remedy: logs,
        };
      }
      const down = Object.entries(m.units).filter(([, s]) => s !== 'active');
      if (down.length === 0)
        return {
          id: 'chatmail.services',
          severity: 'ok',
          title: 'Relay services',
          evidence: `${Object.keys(m.units).length} services active`,
        };
      return {
        id: 'chatmail.services',
        severity: 'fail',
        title: 'Relay services',
        evidence: down.map(([u, s]) => `${u} is ${s}`).join(', '),
        remedy: `cd ${f.dataDir} && docker compose exec ${SERVICE} systemctl restart ${down.map(([u]) => u).join(' ')}; why: docker compose exec ${SERVICE} journalctl -u ${down[0]?.[0]} -n 50`,
      };
    },
  },
  {
    id: 'chatmail.dns',
    title: 'DNS records',
    run(f) {
      const d = mine(f.extra)?.dns;
      if (!d) return undefined;
      const check = `cd ${f.dataDir} && docker compose exec ${SERVICE} cmdeploy dns --ssh-host @local`;
      if ('error' in d)
        return {
          id: 'chatmail.dns',
          severity: 'warn',
          title: 'DNS records',
          evidence: `not looked up: ${d.error}`,
          remedy: check,
        };
      const missing = d.filter((v) => !v.ok);
      if (missing.length === 0)
        return {
          id: 'chatmail.dns',
          severity: 'ok',
          title: 'DNS records',
          evidence: `${d.length} record(s) set: ${d.map((v) => v.record).join(', ')}`,
        };
      return missing.map(
        (v): Finding => ({
          id: 'chatmail.dns',
          severity: 'warn',
          title: `DNS ${v.record}`,
          evidence: v.detail,
          remedy: `Set it at your DNS provider (the relay's own check lists the rest: ${check})`,
        }),
      );
    },
  },
];
