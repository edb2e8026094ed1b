// over 300 lines: the platform's definePlatform read as one (its admin, backup, doctor and URL parts are already in their own files).

import releaseData from '../../assets/rocketchat/releases.json' with { type: 'json' };
import { composeCommand } from '../../src/core/compose.js';
import { parseEnv, setEnv } from '../../src/core/envfile.js';
import { WizardError } from '../../src/core/errors.js';
import { definePlatform, type PlanInput } from '../../src/core/platform.js';
import { validatePort } from '../../src/core/questions.js';
import { type ReleaseFeed, releaseFor } from '../../src/core/release-feed.js';
import type { Step, StepInput } from '../../src/core/step.js';
import { renderTemplate } from '../../src/core/template.js';
import { cloneRepo, composeUp, pullImages, waitReady, writeFiles } from '../../src/engine/tasks.js';
import { proxySteps } from '../proxy/index.js';
import { adminLogin } from './admin.js';
import { backup } from './backup.js';
import { checks as doctorChecks, logPatterns } from './doctor.js';
import { rootUrl } from './url.js';

/**
 * Rocket.Chat from upstream's rocketchat-compose (https://github.com/RocketChat/rocketchat-compose):
 * the clone is the data dir; its .env variables are the contract; compose.wizard.yml adds the first admin.
 */
const COMPOSE_FILES = ['compose.database.yml', 'compose.yml', 'compose.wizard.yml'];
const CONTAINER_PORT = 3000;
/** Upstream's other published ports (loopback only), moved along for a second install on the host. */
const HOST_PORTS = [
  {
    key: 'metricsPort',
    default: 9458,
    what: 'Prometheus metrics',
    flag: '--metrics-port',
    env: 'WIZARD_METRICS_PORT',
    service: 'rocketchat',
  },
  {
    key: 'mongodbPort',
    default: 27017,
    what: 'MongoDB',
    flag: '--mongodb-port',
    env: 'WIZARD_MONGODB_PORT',
    service: 'mongodb',
  },
  {
    key: 'natsPort',
    default: 4222,
    what: 'NATS',
    flag: '--nats-port',
    env: 'WIZARD_NATS_PORT',
    service: 'nats',
  },
];
const published = (v: string | undefined) => v !== 'none';
// biome-ignore lint/suspicious/noTemplateCurlyInString: Compose's variables, not JavaScript's
const APP_PORT_LINE = '${BIND_IP:-0.0.0.0}:${HOST_PORT:-3000}:${PORT:-3000}';

export { rootUrl };

const hostPort = (v: string | undefined) => (v === undefined || v === 'none' ? undefined : v);

/**
 * compose.wizard.yml's lines that leave host ports unpublished (none), after the rocketchat service's own:
 * Compose's !override keeps only the app port of the rocketchat service, !reset drops another service's ports.
 */
export function unpublished(extra: Record<string, string>): string {
  const lines: string[] = [];
  for (const h of HOST_PORTS) {
    if (published(extra[h.key])) continue;
    // Upstream's own line for the app port (compose.yml), kept as the only one.
    if (h.service === 'rocketchat') lines.unshift('    ports: !override', `      - "${APP_PORT_LINE}"`);
    else lines.push(`  ${h.service}:`, '    ports: !reset []');
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** Docker Hub carries the same tags as registry.rocket.chat; a new major's MongoDB is unknown: not offered. */
const FEED: ReleaseFeed = {
  source: { kind: 'docker-hub', repository: 'rocketchat/rocket.chat' },
  series: 'major',
};

function envValues(input: PlanInput, existing: Record<string, string>): Record<string, string> {
  const a = input.answers;
  // A release from the feed (install --version) takes its series' MongoDB from the newest shipped one.
  const release = releaseFor(releaseData.releases, a.version, FEED);
  return {
    COMPOSE_PROJECT_NAME: input.project,
    COMPOSE_FILE: COMPOSE_FILES.join(':'),
    RELEASE: a.version,
    MONGODB_VERSION:
      (typeof release?.mongodb === 'string' ? release.mongodb : undefined) ??
      existing.MONGODB_VERSION ??
      '8.2',
    DOMAIN: a.domain,
    ROOT_URL: rootUrl(a),
    PORT: String(CONTAINER_PORT),
    HOST_PORT: String(a.port),
    BIND_IP: '127.0.0.1',
    MONGODB_BIND_IP: '127.0.0.1',
    NATS_BIND_IP: '127.0.0.1',
    // Host side of upstream's other published ports: the defaults, or the next free ones for a second install.
    // (none: left unpublished by compose.wizard.yml; the variable keeps a port, as upstream's files read it.)
    METRICS_PORT: hostPort(a.extra.metricsPort) ?? existing.METRICS_PORT ?? '9458',
    MONGODB_HOST_PORT: hostPort(a.extra.mongodbPort) ?? existing.MONGODB_HOST_PORT ?? '27017',
    NATS_PORT_NUMBER: hostPort(a.extra.natsPort) ?? existing.NATS_PORT_NUMBER ?? '4222',
    ADMIN_USERNAME: existing.ADMIN_USERNAME ?? a.extra.adminUsername ?? 'admin',
    ADMIN_EMAIL: existing.ADMIN_EMAIL ?? a.email,
    // Generated once; an existing password is never replaced.
    ADMIN_PASS: existing.ADMIN_PASS ?? input.generateSecret(),
  };
}

/** Proves the first admin logs in with the stored password (Rocket.Chat creates it from ADMIN_* on first start). */
function adminCheck(s: StepInput): Step {
  const envPath = `${s.answers.dataDir}/.env`;
  const env = parseEnv(s.planFiles.find((f) => f.path === envPath)?.content ?? '').values;
  const username = env.ADMIN_USERNAME ?? '';
  const login = {
    file: 'POST',
    args: [`http://127.0.0.1:${s.answers.port}/api/v1/login`],
    description: `the first admin "${username}" logs in with the password in .env`,
  };
  return {
    id: 'admin',
    title: 'Check the first admin',
    commands: [login],
    async run(ctx, io) {
      const result = await adminLogin(ctx.http, ctx.answers.port, username, env.ADMIN_PASS ?? '', io.signal);
      if (result.ok) return `First admin "${username}" logs in`;
      if (ctx.keptData && result.detail.startsWith('HTTP 401')) {
        ctx.notes.push(
          `The database kept the accounts of an earlier install named ${ctx.answers.name}: its admin is the admin (the password in ${ctx.files.real(envPath)} is not theirs). Log in with the earlier admin's password.`,
        );
        return "First admin is the earlier install's (its data was kept)";
      }
      if (ctx.journal.completed.has('admin')) {
        ctx.notes.push(
          `The admin's stored password no longer logs in (changed in Rocket.Chat?). The stored one is in ${ctx.files.real(envPath)}.`,
        );
        return 'First admin exists (its password was changed since the install)';
      }
      const logs = await ctx.runner.run({
        ...composeCommand(ctx, ['logs', '--no-color', '--tail', '20', 'rocketchat']),
        reject: false,
      });
      throw new WizardError(
        `The first admin "${username}" can't log in: ${result.detail}.\n${logs.stdout.trim()}`,
        'If users existed in this database before, Rocket.Chat does not create the admin; log in with an existing account.',
      );
    },
  };
}

export default definePlatform({
  id: 'rocketchat',
  title: 'Rocket.Chat',
  description: 'Team chat with channels, threads and video calls (MongoDB)',
  defaultDataDir: '/opt/rocketchat',
  defaultPort: 3000,
  releases: releaseData.releases,
  requirements: {
    memoryMiB: 2048,
    diskGiB: 10,
    ports: (a) => [
      a.port,
      ...HOST_PORTS.filter((h) => published(a.extra[h.key])).map((h) => Number(a.extra[h.key] ?? h.default)),
    ],
    hostPorts: HOST_PORTS,
  },
  database: 'mongodb', // MongoDB; for the kernel's known-bad ranges
  questions: [
    {
      key: 'adminUsername',
      flag: '--admin-username',
      env: 'WIZARD_ADMIN_USERNAME',
      message: 'Admin username:',
      description: "the first admin's username (default admin)",
      default: 'admin',
      validate: (v) =>
        /^[A-Za-z0-9._-]{2,40}$/.test(v)
          ? { ok: true, value: v }
          : {
              ok: false,
              error: `"${v}" is not a valid Rocket.Chat username.`,
              remedy: 'Use 2-40 letters, digits, dots, dashes or underscores.',
            },
    },
    // Upstream's other host ports: moved, or left unpublished (none), by flag; asked only when one is taken.
    ...HOST_PORTS.map((h) => ({
      key: h.key,
      flag: h.flag,
      env: h.env,
      message: `${h.what} port on 127.0.0.1:`,
      description: `host port of ${h.what} on 127.0.0.1, or none to leave it unpublished (default ${h.default}, or the next free one)`,
      hidden: true,
      validate: (v: string) => validatePort(v, { what: `${h.what} port`, none: true }),
    })),
  ],
  repo: { url: 'https://github.com/RocketChat/rocketchat-compose.git', branch: 'main' },
  composeFiles: COMPOSE_FILES,
  templates: ['rocketchat/compose.wizard.yml'],
  secretKeys: ['ADMIN_PASS', 'REG_TOKEN'],
  doctor: { logPatterns, checks: doctorChecks },
  upgrade: {
    // Rocket.Chat: no major skipped (the newest 7.x before 8.x), each major with the MongoDB it needs.
    rule: { kind: 'major-by-major' },
    releaseNotes: releaseData.releaseNotes,
    // Docker Hub carries the same tags as registry.rocket.chat; a new major's MongoDB is unknown: not offered.
    feed: FEED,
    envFor: (r) => ({
      RELEASE: r.version,
      ...(typeof r.mongodb === 'string' ? { MONGODB_VERSION: r.mongodb } : {}),
    }),
    backup,
  },
  files(input) {
    const dir = input.answers.dataDir;
    const current = input.existing[`${dir}/.env`] ?? '';
    const values = envValues(input, { ...parseEnv(current).values });
    return [
      {
        kind: 'file',
        path: `${dir}/.env`,
        mode: 0o600,
        owner: { uid: 0, gid: 0 },
        content: setEnv(current, values, '# Written by wizard: the variables of rocketchat-compose'),
        secret: true,
        description: 'release, domain, ports and the first admin (holds ADMIN_PASS)',
      },
      {
        kind: 'file',
        path: `${dir}/compose.wizard.yml`,
        mode: 0o644,
        content:
          renderTemplate(input.templates('rocketchat/compose.wizard.yml'), {
            name: input.answers.name,
            bindIp: '127.0.0.1',
          }) + unpublished(input.answers.extra),
        description: 'first admin and setup-wizard settings for the rocketchat service',
      },
    ];
  },
  install: (s) => [
    cloneRepo(s),
    writeFiles(s, 'Write .env and compose.wizard.yml', s.answers.dataDir),
    ...proxySteps(s),
    ...pullImages(s),
    composeUp(s),
    waitReady(s),
    adminCheck(s),
  ],
  // Rocket.Chat's DDP runs over /websocket (and SockJS); ROOT_URL is https behind a proxy.
  proxyNeeds: {
    websockets: ['/websocket', '/sockjs'],
    headers: ['Host', 'X-Forwarded-For', 'X-Forwarded-Proto: https'],
  },
  // The app and its MongoDB (upstream's compose.yml and compose.database.yml name them so).
  images: (a, r) => [
    `registry.rocket.chat/rocketchat/rocket.chat:${a.version}`,
    `docker.io/mongodb/mongodb-community-server:${typeof r?.mongodb === 'string' ? r.mongodb : '8.2'}-ubi8`,
  ],
  // Upstream's services wait for each other in `sleep 5` loops ("MongoDB not ready yet, retrying in 5 seconds"):
  // MongoDB's for its data folder's owner, the replica-set helper's and Rocket.Chat's for MongoDB. Started in this
  // order each loop finds what it waits for on its first try; the exporters start last (nothing waits for them).
  startOrder: [
    {
      title: 'the MongoDB data folder',
      services: ['mongodb-fix-permission-container'],
      until: { kind: 'exited' },
    },
    {
      title: 'MongoDB',
      services: ['mongodb'],
      // What Rocket.Chat's own loop waits for (`nc -z mongodb 27017`); mongod listens once it serves.
      until: { kind: 'port', service: 'mongodb', port: 27017 },
    },
    // Its replica set starts electing a primary while Rocket.Chat's container starts (its driver waits for one).
    { title: 'the MongoDB replica set', services: ['mongodb-init-container'], until: { kind: 'started' } },
  ],
  startLast: ['nats-exporter', 'mongodb-exporter'],
  readiness: {
    path: '/api/info',
    service: 'rocketchat',
    timeoutSeconds: 600,
    judge(status, body) {
      if (status !== 200) return { ready: false, detail: `HTTP ${status}` };
      try {
        const info = JSON.parse(body) as { success?: boolean; version?: string };
        if (info.success === true)
          return { ready: true, ...(info.version ? { version: info.version } : {}), detail: 'ready' };
        return { ready: false, detail: 'answers, but not successfully yet' };
      } catch {
        return { ready: false, detail: 'answers with something that is not JSON' };
      }
    },
  },
  summary(answers, env, hostPath) {
    return {
      url: env.ROOT_URL ?? rootUrl(answers),
      login: {
        username: env.ADMIN_USERNAME ?? 'admin',
        ...(env.ADMIN_PASS ? { password: env.ADMIN_PASS } : {}),
        where: `${hostPath(`${answers.dataDir}/.env`)} (ADMIN_USERNAME, ADMIN_PASS; mode 0600)`,
      },
      notes: [
        'Log in and finish the workspace registration under Administration > Workspace.',
        `Containers: cd ${hostPath(answers.dataDir)} && docker compose ps`,
      ],
    };
  },
});
