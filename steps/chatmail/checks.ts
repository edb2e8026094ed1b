import type { Check, CheckResult } from '../../src/core/checks.js';

/**
 * What fails the preflight for a chatmail relay. Its container runs systemd (`cgroup: host`) with host
 * networking and serves mail, DNS and the web on the host's own ports, so the shared checks' warnings
 * become failures here, and the wizard's proxy can't share the server with it.
 */

/** The host ports the relay serves (upstream's docker-compose.yaml, network_mode: host). */
export const CHATMAIL_PORTS = [25, 53, 80, 143, 443, 465, 587, 993];

const PORT_USE: Record<number, string> = {
  25: 'SMTP',
  53: 'DNS resolver',
  80: 'HTTP',
  143: 'IMAP',
  443: 'HTTPS',
  465: 'SMTPS',
  587: 'submission',
  993: 'IMAPS',
};

const fail = (detail: string, remedy: string): CheckResult => ({ status: 'fail', detail, remedy });
const pass = (detail: string): CheckResult => ({ status: 'pass', detail });

export const cgroupsV2: Check = {
  id: 'cgroups-v2',
  title: 'cgroups v2',
  async run(probe) {
    if (await probe.cgroupV2()) return pass('unified hierarchy (the relay runs systemd in its container)');
    return fail(
      "this host uses cgroups v1; the relay's container runs systemd with `cgroup: host`, which needs cgroups v2.",
      'Boot with systemd.unified_cgroup_hierarchy=1 (add it to GRUB_CMDLINE_LINUX in /etc/default/grub, update-grub, reboot), or use Debian 12 / Ubuntu 22.04 or newer.',
    );
  },
};

export const amd64: Check = {
  id: 'arch',
  title: 'Relay image architecture',
  async run(probe) {
    const arch = probe.arch();
    if (arch === 'x64') return pass('amd64, as ghcr.io/chatmail/docker is built');
    return fail(
      `${arch === 'arm64' ? 'arm64 (aarch64)' : arch}: the relay's image (ghcr.io/chatmail/docker) is built for amd64 only.`,
      'Use an amd64 (x86_64) server for the relay.',
    );
  },
};

/** Every needed port free, naming what holds one, with the usual culprits' remedies. */
export const freePorts: Check = {
  id: 'ports',
  title: 'Ports',
  async run(probe, input) {
    const ports = [...new Set(input.ports ?? CHATMAIL_PORTS)].sort((a, b) => a - b);
    const held: { port: number; process?: string; pid?: number }[] = [];
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
        `${ports.join(', ')} free${ours.length ? `; held by this install: ${ours.join(', ')}` : ''}`,
      );
    held.sort((a, b) => a.port - b.port);
    const detail = held
      .map(
        (h) =>
          `${h.port} (${PORT_USE[h.port] ?? 'needed'}) by ${h.process ?? 'an unknown process'}${h.pid ? ` (pid ${h.pid})` : ''}`,
      )
      .join(', ');
    const remedies: string[] = [];
    const by = (re: RegExp) => held.filter((h) => re.test(h.process ?? ''));
    if (by(/^systemd-resolve/).length) {
      remedies.push(
        "systemd-resolved's stub listener holds 53: set DNSStubListener=no in /etc/systemd/resolved.conf, then systemctl restart systemd-resolved.",
      );
    }
    const mail = by(/^(master|postfix|exim|sendmail|dovecot|opensmtpd|smtpd)/);
    if (mail.length)
      remedies.push(
        `A mail server already runs here (${[...new Set(mail.map((h) => h.process))].join(', ')}): stop and disable it, e.g. systemctl disable --now postfix dovecot.`,
      );
    const web = by(/^(nginx|apache2|httpd|caddy|traefik|haproxy|docker-proxy)/);
    if (web.length)
      remedies.push(
        `A web server or container publishes ${web.map((h) => h.port).join(', ')} (${[...new Set(web.map((h) => h.process))].join(', ')}): the relay serves them itself; stop it, or give the relay a server of its own.`,
      );
    if (remedies.length === 0)
      remedies.push(
        'Stop what holds these ports: the relay serves them itself with host networking. A dedicated server is simplest.',
      );
    return fail(`in use: ${detail}`, remedies.join(' '));
  },
};

/** Nobody else on this host may use the wizard's proxy: the relay takes 80 and 443 itself. */
export const noSharedProxy: Check = {
  id: 'proxy',
  title: 'Shared proxy',
  async run(_probe, input) {
    const others = input.otherInstalls ?? [];
    const relays = others.filter((o) => o.platform === 'chatmail');
    if (relays.length > 0) {
      return fail(
        `another chatmail relay (${relays.map((r) => `${r.name} for ${r.domain}`).join(', ')}) is installed here; one server carries one relay.`,
        `Repair that one (wizard install --name ${relays[0]?.name}), or use another server.`,
      );
    }
    const proxied = others.filter((o) => o.tls !== 'none');
    if (proxied.length === 0) return pass("no other install uses the wizard's proxy");
    return fail(
      `${proxied.map((o) => `${o.name} (${o.platform}, ${o.domain})`).join(', ')} ${proxied.length === 1 ? 'uses' : 'use'} the wizard's proxy on 80 and 443; the relay serves 80 and 443 itself with host networking, so they can't share this server.`,
      'Give the relay a server of its own (it is a mail server: a dedicated one is the usual setup).',
    );
  },
};

export const chatmailChecks: Check[] = [cgroupsV2, amd64, freePorts, noSharedProxy];
