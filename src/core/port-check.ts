import type { Check, CheckResult, PortHolder } from './checks.js';

// The ports check (split from checks.ts): what holds a needed port, and how to free it or move the install.

const pass = (detail: string): CheckResult => ({ status: 'ok', detail });
const fail = (detail: string, remedy: string): CheckResult => ({ status: 'fail', detail, remedy });

/** Well-known holders of a needed port, and how to free it from them (any platform, same advice). */
const PORT_CULPRITS: {
  process: RegExp;
  port?: number;
  remedy: (held: { port: number; process?: string }[]) => string;
}[] = [
  {
    process: /^systemd-resolve/,
    port: 53,
    remedy: () =>
      "systemd-resolved's stub listener holds 53: set DNSStubListener=no in /etc/systemd/resolved.conf, then systemctl restart systemd-resolved.",
  },
  {
    process: /^(master|postfix|exim|sendmail|dovecot|opensmtpd|smtpd)/,
    remedy: (h) =>
      `A mail server already runs here (${[...new Set(h.map((x) => x.process))].join(', ')}): stop and disable it, e.g. systemctl disable --now postfix dovecot.`,
  },
  {
    process: /^(nginx|apache2|httpd|caddy|traefik|haproxy)/,
    remedy: (h) =>
      `A web server holds ${h.map((x) => x.port).join(', ')} (${[...new Set(h.map((x) => x.process))].join(', ')}): stop it (e.g. systemctl disable --now ${h[0]?.process ?? 'nginx'}), or move it to other ports.`,
  },
];

type Held = { port: number } & PortHolder;

/** Who holds a port, in words: the container and its compose project when a container publishes it. */
function holderText(h: Held): string {
  if (h.container)
    return `container ${h.container.name}${h.container.project ? ` (compose project ${h.container.project})` : ''}`;
  return `${h.process ?? 'an unknown process'}${h.pid ? ` (pid ${h.pid})` : ''}`;
}

/** How to free ports that containers publish: the compose project's containers stopped, else the container. */
function containerRemedies(held: Held[]): string[] {
  const byOwner = new Map<string, number[]>();
  const unnamed: number[] = [];
  for (const h of held) {
    if (h.container) {
      const command = h.container.project
        ? `docker compose --project-name ${h.container.project} stop`
        : `docker stop ${h.container.name}`;
      byOwner.set(command, [...(byOwner.get(command) ?? []), h.port]);
    } else if (/^docker-proxy/.test(h.process ?? '')) unnamed.push(h.port);
  }
  return [
    ...[...byOwner].map(
      ([command, ports]) =>
        `A container publishes ${ports.join(', ')}: free ${ports.length > 1 ? 'them' : 'it'} with ${command}.`,
    ),
    ...unnamed.map(
      (port) =>
        `A container publishes ${port}: see which with docker ps --filter publish=${port}, then docker stop it.`,
    ),
  ];
}

/** Every port the install needs is free (or held by this wizard), naming what holds one and how to free it. */
export const portsCheck: Check = {
  id: 'ports',
  title: 'Ports',
  async run(probe, input) {
    const ports = [...new Set(input.ports ?? [])].sort((a, b) => a - b);
    const held: Held[] = [];
    const ours: string[] = [];
    await Promise.all(
      ports.map(async (port) => {
        const h = await probe.portHolder(port);
        if (!h) return;
        const allowed = input.allowedPortHolders?.get(port);
        if (allowed) ours.push(`${port} (${allowed})`);
        else held.push({ port, ...h });
      }),
    );
    if (held.length === 0)
      return pass(
        `${ports.join(', ')} free${ours.length ? `; held by this wizard: ${ours.sort().join(', ')}` : ''}`,
      );
    held.sort((a, b) => a.port - b.port);
    const name = (port: number) => (input.portNames?.[port] ? ` (${input.portNames[port]})` : '');
    const detail = held.map((h) => `${h.port}${name(h.port)} by ${holderText(h)}`).join(', ');
    const remedies = [
      ...containerRemedies(held),
      ...PORT_CULPRITS.flatMap((c) => {
        const by = held.filter(
          (h) =>
            !h.container && c.process.test(h.process ?? '') && (c.port === undefined || c.port === h.port),
        );
        return by.length ? [c.remedy(by)] : [];
      }),
    ];
    // The ports this install can move itself, with their flags.
    const movable = held.filter((h) => input.portFlags?.[h.port]);
    if (movable.length > 0)
      remedies.push(
        `Or use other ports: ${movable.map((h) => `${input.portFlags?.[h.port]} ${h.port + 1}`).join(' ')}${movable.some((h) => input.portFlags?.[h.port] !== '--port') ? ' (none leaves a loopback port unpublished)' : ''}.`,
      );
    if (remedies.length === 0)
      remedies.push(
        input.portsRemedy ??
          'Stop what holds the port, or choose another with --port (80 and 443 are needed for TLS; --tls none frees them).',
      );
    return fail(`in use: ${detail}`, remedies.join(' '));
  },
};
