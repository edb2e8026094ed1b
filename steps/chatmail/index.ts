import releaseData from '../../assets/chatmail/releases.json' with { type: 'json' };
import { parseEnv, setEnv } from '../../src/core/envfile.js';
import type { FileSpec } from '../../src/core/plan.js';
import { definePlatform, type InstallAnswers, type PlanInput } from '../../src/core/platform.js';
import { releaseFor } from '../../src/core/release-feed.js';
import { waitHealthy } from '../../src/engine/health.js';
import { cloneRepo, composeUp, pullImages, writeFiles } from '../../src/engine/tasks.js';
import { CHATMAIL_PORTS, chatmailChecks, PORT_USE, PORTS_REMEDY, PUBLIC_PORTS } from './checks.js';
import { checks as doctorChecks, gather as gatherDoctor } from './doctor.js';
import {
  inotifyLimits,
  neededDnsRecords,
  relayDnsCheck,
  restartFailedSetup,
  SERVICE,
  SYSCTL_FILE,
  staging,
} from './tasks.js';
import { upgrade } from './upgrade.js';

/**
 * The chatmail relay (Delta Chat's mail server) from upstream's chatmail/docker
 * (https://github.com/chatmail/docker): the clone is the data dir, its .env (MAIL_DOMAIN, ACME_EMAIL,
 * CHATMAIL_IMAGE) is the contract, and its own docker-compose.override.yaml, if the user writes one, is
 * honoured (no -f: Compose reads both files as upstream documents). The relay serves its ports and TLS
 * itself with host networking, so the wizard's proxy is never used; its first start takes minutes and is
 * waited for through the container's health check.
 */
const INOTIFY_LIMIT = 65536;
const INOTIFY_KEYS = ['fs.inotify.max_user_instances', 'fs.inotify.max_user_watches'];

/** The relay's image of a release: shipped, from the feed (install --version), or its tag. */
const image = (version: string) => {
  const r = releaseFor(releaseData.releases, version, upgrade.feed);
  return typeof r?.image === 'string' ? r.image : `ghcr.io/chatmail/docker:${version}`;
};

/** The sysctl file merged with what is there: other lines kept, a higher limit never lowered. */
function sysctlFile(input: PlanInput): FileSpec {
  const current = input.existing[SYSCTL_FILE] ?? '';
  const values = parseEnv(current).values;
  const updates = Object.fromEntries(
    INOTIFY_KEYS.map((k) => [k, String(Math.max(INOTIFY_LIMIT, Number(values[k]) || 0))]),
  );
  return {
    kind: 'file',
    path: SYSCTL_FILE,
    mode: 0o644,
    owner: { uid: 0, gid: 0 },
    content: setEnv(current, updates, input.templates('chatmail/99-inotify.conf').trimEnd()),
    description: `inotify limits the relay needs (${staging(input.hostPath) ? 'not applied under WIZARD_ROOT' : 'applied with sysctl -p'})`,
  };
}

function envFile(input: PlanInput): FileSpec {
  const a = input.answers;
  const path = `${a.dataDir}/.env`;
  const current = input.existing[path] ?? '';
  return {
    kind: 'file',
    path,
    mode: 0o600,
    owner: { uid: 0, gid: 0 },
    content: setEnv(
      current,
      {
        MAIL_DOMAIN: a.domain,
        ACME_EMAIL: a.email,
        CHATMAIL_IMAGE: image(a.version),
        COMPOSE_PROJECT_NAME: input.project,
      },
      '# Written by wizard: the variables of chatmail/docker',
    ),
    description: "the relay's domain, Let's Encrypt email and image",
  };
}

export default definePlatform({
  id: 'chatmail',
  title: 'Chatmail relay',
  description: "Delta Chat's mail server: instant, private chat profiles without phone numbers",
  defaultDataDir: '/opt/chatmail',
  defaultPort: 443,
  releases: releaseData.releases,
  requirements: {
    memoryMiB: 1024,
    diskGiB: 10,
    ports: () => CHATMAIL_PORTS,
    portNames: PORT_USE,
    portsRemedy: PORTS_REMEDY,
    publicPorts: () => PUBLIC_PORTS,
    sendsMail: true,
  },
  adminEmail: false, // the relay has no admin account: the email is Let's Encrypt's only
  database: 'none', // no database server: mail lives in files under the data dir; for the kernel's known-bad ranges
  questions: [],
  repo: { url: 'https://github.com/chatmail/docker.git', branch: 'main' },
  // No -f: Compose reads docker-compose.yaml and the user's docker-compose.override.yaml, as upstream documents.
  composeFiles: [],
  templates: ['chatmail/dns.zone', 'chatmail/99-inotify.conf'],
  secretKeys: [],
  checks: chatmailChecks,
  upgrade,
  doctor: { checks: doctorChecks, gather: gatherDoctor },
  ownTls: true,
  validateAnswers(a) {
    if (a.port !== undefined)
      return [
        {
          key: 'port',
          error: `--port does not apply to the chatmail relay: it serves its own ports (${CHATMAIL_PORTS.join(', ')}) with host networking.`,
          remedy: 'Drop --port.',
        },
      ];
    if (a.tls === 'none') {
      return [
        {
          key: 'tls',
          error:
            "--tls none does not apply to the chatmail relay: it serves HTTPS, IMAP and SMTP with its own Let's Encrypt certificate and can't sit behind a proxy.",
          remedy: 'Drop --tls (the relay always uses --tls letsencrypt).',
        },
      ];
    }
    if (a.tls === 'selfsigned') {
      return [
        {
          key: 'tls',
          error:
            "--tls selfsigned does not apply to the chatmail relay: it gets its certificate from Let's Encrypt itself (upstream keeps self-signed certificates for test domains starting with _).",
          remedy: 'Drop --tls (the relay always uses --tls letsencrypt).',
        },
      ];
    }
    return [];
  },
  files: (input) => [sysctlFile(input), envFile(input)],
  install: (s) => [
    cloneRepo(s),
    inotifyLimits(s),
    neededDnsRecords(s),
    writeFiles(s, 'Write .env', s.answers.dataDir),
    ...pullImages(s),
    composeUp(s),
    ...restartFailedSetup(s),
    waitHealthy(s, 'Wait until the relay is set up (the first start takes minutes)'),
    relayDnsCheck(s),
  ],
  images: (a) => [image(a.version)],
  readiness: {
    // For HTTP probes (doctor): port 80 answers with a redirect to https once nginx runs.
    path: '/',
    port: () => 80,
    judge: (status) =>
      status >= 200 && status < 400
        ? { ready: true, detail: `HTTP ${status}` }
        : { ready: false, detail: `HTTP ${status}` },
    service: SERVICE,
    timeoutSeconds: 1200,
    health: {
      // The relay's setup runs as chatmail-init.service under systemd in the container.
      fatal:
        /Failed to start chatmail-init\.service|chatmail-init\.service: Main process exited, code=exited, status=[1-9]/,
      progress: (line) =>
        /^[\s.\-=*#]*$|^\[@local\]/.test(line)
          ? undefined
          : line.length > 120
            ? `${line.slice(0, 117)}...`
            : line,
    },
  },
  summary(answers: InstallAnswers, _env, hostPath) {
    const dir = hostPath(answers.dataDir);
    return {
      url: `https://${answers.domain}`,
      action: 'to get a chat profile: scan its invite QR code with Delta Chat (https://get.delta.chat).',
      notes: [
        `Test the relay from another machine: uvx cmping ${answers.domain}`,
        `Check the DNS records again: cd ${dir} && docker compose exec ${SERVICE} cmdeploy dns --ssh-host @local`,
        `Containers: cd ${dir} && docker compose ps; its log: docker compose logs -f ${SERVICE}`,
      ],
    };
  },
});
