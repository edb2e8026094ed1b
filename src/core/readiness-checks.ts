import type { Check, CheckInput, CheckResult } from './checks.js';
import type { InstallAnswers, Requirements } from './platform.js';
import {
  type CaaRecord,
  type DnsRecords,
  type FetchOutcome,
  type FirewallFacts,
  judgeAttempts,
  judgeCaa,
  judgeDns,
  judgeFirewall,
  judgeMemory,
  judgeOutboundMail,
  judgePublicAddress,
  judgeRoundTrip,
  type PublicAddressFacts,
  publicAddressesOf,
  type RoundTripFacts,
} from './reachability.js';

/** Network facts for the readiness checks: src/system/netprobe.ts, or a table in tests. */
export interface ReadinessProbe {
  publicAddressFacts(): Promise<PublicAddressFacts>;
  resolveSystem(domain: string): Promise<DnsRecords>;
  /** Straight to the public resolver (WIZARD_PUBLIC_RESOLVER), bounded. */
  resolvePublic(domain: string): Promise<DnsRecords & { resolver: string }>;
  /** CAA records of the name or its closest parent that has some. */
  caa(domain: string): Promise<{ records: CaaRecord[]; at?: string; error?: string }>;
  /** Listens on 80 with the token and fetches http://DOMAIN/... from here and from the outside probe. */
  roundTrip(domain: string, addresses: string[], mine: string[]): Promise<RoundTripFacts>;
  firewall(ports: number[]): Promise<FirewallFacts>;
  tcpConnect(host: string, port: number): Promise<FetchOutcome | { ok: true }>;
  swapMiB(): Promise<number>;
  /** The well-known MX the outbound-mail check connects to on port 25. */
  readonly mailProbeHost: string;
}

export interface ReadinessInput {
  /** TCP ports the Internet must reach (80/443 for the proxy, the mail ports for chatmail). */
  publicPorts?: number[];
  /** Ports the wizard opened earlier (from the state), shown by doctor. */
  firewallOpened?: number[];
  /** Earlier certificate requests for this domain (from the state). */
  leAttempts?: { at: string; ok: boolean }[];
  /** Whether the platform sends mail, and through which SMTP host (chatmail: port 25 direct). */
  mail?: { direct: boolean; smtp?: { host: string; port: number } };
  recommendedMiB?: number;
  minimumMiB?: number;
  now?: Date;
}

const skip = (detail: string): CheckResult => ({ status: 'ok', detail });
const publicDomain = (input: CheckInput): string | undefined => {
  const d = input.answers?.domain;
  return !d || d === 'localhost' || /^[\d.:]+$/.test(d) || !d.includes('.') ? undefined : d;
};
const asResult = (v: { status: CheckResult['status']; detail: string; remedy?: string }): CheckResult => ({
  status: v.status,
  detail: v.detail,
  ...(v.remedy ? { remedy: v.remedy } : {}),
});

async function mineOf(r: ReadinessProbe): Promise<string[]> {
  return publicAddressesOf(await r.publicAddressFacts());
}

export const publicAddressCheck: Check = {
  id: 'public-address',
  title: 'Public address',
  async run(probe) {
    if (!probe.readiness) return skip('not checked');
    return asResult(judgePublicAddress(await probe.readiness.publicAddressFacts()));
  },
};

export function dnsReadinessCheck(fallback: Check): Check {
  return {
    id: fallback.id,
    title: fallback.title,
    async run(probe, input) {
      const domain = publicDomain(input);
      if (!probe.readiness || !domain) return fallback.run(probe, input);
      const r = probe.readiness;
      const [system, pub, mine] = await Promise.all([
        r.resolveSystem(domain),
        r.resolvePublic(domain),
        mineOf(r),
      ]);
      return asResult(judgeDns(domain, system, pub, mine, pub.resolver));
    },
  };
}

export const roundTripCheck: Check = {
  id: 'reachability',
  title: 'Reachable on port 80',
  async run(probe, input) {
    const domain = publicDomain(input);
    if (input.answers?.tls !== 'letsencrypt')
      return skip(`not needed with --tls ${input.answers?.tls ?? 'none'}`);
    if (!probe.readiness || !domain) return skip('no public domain to check');
    const r = probe.readiness;
    const [pub, system, mine] = await Promise.all([
      r.resolvePublic(domain),
      r.resolveSystem(domain),
      mineOf(r),
    ]);
    const addresses = [...pub.a, ...pub.aaaa].length
      ? [...pub.a, ...pub.aaaa]
      : [...system.a, ...system.aaaa];
    return asResult(judgeRoundTrip(await r.roundTrip(domain, addresses, mine)));
  },
};

export const firewallCheck: Check = {
  id: 'firewall',
  title: 'Firewall',
  async run(probe, input) {
    const ports = input.readiness?.publicPorts ?? [];
    if (!probe.readiness || ports.length === 0) return skip('no public port needed');
    return asResult(
      judgeFirewall(await probe.readiness.firewall(ports), ports, input.readiness?.firewallOpened),
    );
  },
};

export const outboundMailCheck: Check = {
  id: 'outbound-mail',
  title: 'Outbound mail',
  async run(probe, input) {
    const mail = input.readiness?.mail;
    if (!probe.readiness || !mail) return skip('this install sends no mail');
    const r = probe.readiness;
    const [mx, smtp] = await Promise.all([
      mail.direct ? r.tcpConnect(r.mailProbeHost, 25) : undefined,
      mail.smtp ? r.tcpConnect(mail.smtp.host, mail.smtp.port) : undefined,
    ]);
    if (!mx && mail.smtp && smtp) return asResult(judgeOutboundMail({ host: mail.smtp.host, result: smtp }));
    return asResult(
      judgeOutboundMail(
        { host: r.mailProbeHost, result: mx ?? { ok: true } },
        mail.smtp && smtp ? { ...mail.smtp, result: smtp } : undefined,
      ),
    );
  },
};

export const swapCheck: Check = {
  id: 'swap',
  title: 'Memory and swap',
  async run(probe, input) {
    const rec = input.readiness?.recommendedMiB ?? input.memoryMiB;
    if (!probe.readiness || !rec) return skip('not checked');
    return asResult(
      judgeMemory(
        probe.memoryMiB(),
        await probe.readiness.swapMiB(),
        rec,
        input.readiness?.minimumMiB ?? Math.round(rec / 2),
      ),
    );
  },
};

export const caaCheck: Check = {
  id: 'caa',
  title: 'CAA records',
  async run(probe, input) {
    const domain = publicDomain(input);
    if (input.answers?.tls !== 'letsencrypt' || !probe.readiness || !domain) return skip('not needed');
    return asResult(judgeCaa(domain, await probe.readiness.caa(domain)));
  },
};

export const attemptsCheck: Check = {
  id: 'le-attempts',
  title: "Recent Let's Encrypt attempts",
  async run(_probe, input) {
    if (input.answers?.tls !== 'letsencrypt') return skip('not needed');
    // The time comes with the attempts (the command reads the clock; core never does).
    const attempts = input.readiness?.leAttempts ?? [];
    const now = input.readiness?.now;
    if (!now && attempts.length > 0)
      return skip(`${attempts.length} earlier attempt(s), not dated: no time was given`);
    return asResult(judgeAttempts(attempts, now ?? new Date(0)));
  },
};

/** Replaces the plain DNS check and adds the readiness checks that apply to these answers. */
/** Every readiness check, for the ids --ignore-check accepts. */
export const readinessChecks: Check[] = [
  publicAddressCheck,
  roundTripCheck,
  firewallCheck,
  outboundMailCheck,
  swapCheck,
  caaCheck,
  attemptsCheck,
];

export function withReadinessChecks(checks: Check[], answers: Partial<InstallAnswers>): Check[] {
  if (!publicDomain({ answers })) return checks;
  const out = checks.map((c) => (c.id === 'dns' ? dnsReadinessCheck(c) : c));
  const extra: Check[] = [publicAddressCheck, firewallCheck, outboundMailCheck, swapCheck];
  if (answers.tls === 'letsencrypt') extra.push(caaCheck, attemptsCheck, roundTripCheck);
  return [...out, ...extra.filter((c) => !out.some((o) => o.id === c.id))];
}

/** What the readiness checks need, from the answers and the platform's ports and memory. */
export function readinessInputFor(
  answers: Partial<InstallAnswers>,
  opts: {
    ports: number[];
    /** Ports the Internet must reach besides the proxy's (default: the published ports below 1024). */
    publicPorts?: number[];
    memoryMiB: number;
    sendsMail?: boolean;
    record?: { firewallOpened?: number[]; leAttempts?: { at: string; ok: boolean }[]; now?: Date };
  },
): ReadinessInput {
  const extra = answers.extra ?? {};
  const smtpHost = extra.smtpHost && extra.smtpHost !== 'none' ? extra.smtpHost : undefined;
  const publicPorts = [
    ...new Set([
      ...(answers.tls === 'none' ? [] : [80, 443]),
      ...(opts.publicPorts ?? opts.ports.filter((p) => p < 1024)),
    ]),
  ].sort((a, b) => a - b);
  return {
    publicPorts,
    recommendedMiB: opts.memoryMiB,
    ...(opts.sendsMail || smtpHost
      ? {
          mail: {
            direct: Boolean(opts.sendsMail),
            ...(smtpHost ? { smtp: { host: smtpHost, port: Number(extra.smtpPort) || 587 } } : {}),
          },
        }
      : {}),
    ...(opts.record?.firewallOpened ? { firewallOpened: opts.record.firewallOpened } : {}),
    ...(opts.record?.leAttempts ? { leAttempts: opts.record.leAttempts } : {}),
    ...(opts.record?.now ? { now: opts.record.now } : {}),
  };
}

/** The readiness input for one platform's install: its ports, public ports and mail as the platform declares them. */
export function platformReadiness(
  platform: { requirements: Pick<Requirements, 'ports' | 'publicPorts' | 'sendsMail' | 'memoryMiB'> },
  answers: InstallAnswers,
  record?: { firewallOpened?: number[]; leAttempts?: { at: string; ok: boolean }[]; now?: Date },
): ReadinessInput {
  const r = platform.requirements;
  return readinessInputFor(answers, {
    ports: r.ports(answers),
    ...(r.publicPorts ? { publicPorts: r.publicPorts(answers) } : {}),
    memoryMiB: r.memoryMiB,
    ...(r.sendsMail ? { sendsMail: true } : {}),
    ...(record ? { record } : {}),
  });
}
