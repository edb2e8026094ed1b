import type { Check, CheckResult } from '../../src/core/checks.js';

/**
 * What fails the preflight for a chatmail relay. Its container runs systemd (`cgroup: host`) with host
 * networking and serves mail, DNS and the web on the host's own ports, so the shared checks' warnings
 * become failures here, and the wizard's proxy can't share the server with it.
 */

/** The host ports the relay serves (upstream's docker-compose.yaml, network_mode: host). */
export const CHATMAIL_PORTS = [25, 53, 80, 143, 443, 465, 587, 993];

/** What the relay serves on each port: the shared ports check names them when one is taken. */
export const PORT_USE: Record<number, string> = {
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
const pass = (detail: string): CheckResult => ({ status: 'ok', detail });

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

/** Ports the Internet must reach: all but 53 (the relay's own resolver, never to be open to the world). */
export const PUBLIC_PORTS = CHATMAIL_PORTS.filter((p) => p !== 53);

export const PORTS_REMEDY =
  'Stop what holds these ports: the relay serves them itself with host networking. A dedicated server is simplest.';

export const chatmailChecks: Check[] = [cgroupsV2, amd64, noSharedProxy];
