import releaseData from '../../assets/mastodon/releases.json' with { type: 'json' };
import { composeLiteral } from '../../src/core/compose.js';
import { parseEnv, setEnv } from '../../src/core/envfile.js';
import type { FileSpec } from '../../src/core/plan.js';
import { definePlatform, type InstallAnswers, type PlanInput } from '../../src/core/platform.js';
import { releaseFor } from '../../src/core/release-feed.js';
import { renderTemplate } from '../../src/core/template.js';
import { composeUp, ensureSystemUser, pullImages, waitHttp, writeFiles } from '../../src/engine/tasks.js';
import { proxySteps } from '../proxy/index.js';
import { checks as doctorChecks, gather as gatherDoctor, logPatterns } from './doctor.js';
import { dbSettings, envValues } from './env.js';
import { questions } from './questions.js';
import { SECRET_KEYS } from './secrets.js';
import {
  checkMail,
  checkVersion,
  createOwner,
  migrate,
  ownerFile,
  restart,
  setupDatabase,
  waitForDatabase,
} from './tasks.js';
import { MASTODON_FEED, mastodonUpgrade, versionFile } from './upgrade.js';

/**
 * Mastodon from the official images (ghcr.io/mastodon/mastodon, mastodon-streaming) with our own compose file
 * after upstream's docker-compose.yml: no clone. The install folder and every file root feeds to Docker (compose
 * file, env files, owner login) are root's; only the data folders the containers write (media, PostgreSQL, Redis)
 * belong to the containers' own users, as leaves root never writes through. The system user `mastodon` (uid 991
 * like the images' user, where free) names the media folder's owner.
 */
const COMPOSE_FILE = 'docker-compose.yml';
const SYSTEM_USER = 'mastodon';
/** The users the official images run as: mastodon 991, postgres (alpine) 70, redis (alpine) 999:1000. */
const UID = { mastodon: 991, postgres: 70, redis: 999, redisGroup: 1000 } as const;
const STREAMING_HEALTH = '/api/v1/streaming/health';

export const streamingPort = (a: Pick<InstallAnswers, 'extra'>) => Number(a.extra.streamingPort ?? 4000);

/** A shipped release, or one from the feed (install --version) with its series' PostgreSQL and Redis. */
function releaseOf(version: string) {
  return releaseFor(releaseData.releases, version, MASTODON_FEED);
}

function files(input: PlanInput): FileSpec[] {
  const a = input.answers;
  const dir = a.dataDir;
  const prodPath = `${dir}/.env.production`;
  const dbPath = `${dir}/.env.db`;
  const prod = { ...parseEnv(input.existing[prodPath] ?? '').values };
  const db = { ...parseEnv(input.existing[dbPath] ?? '').values };
  const values = envValues(a, prod, db, input.generateSecret);
  const production = setEnv(
    input.existing[prodPath] ?? '',
    values.production,
    '# Written by wizard: Mastodon settings (https://docs.joinmastodon.org/admin/config/). Never change LOCAL_DOMAIN or the secrets.',
  );
  const written = parseEnv(production).values;
  const mail = written.SMTP_SERVER
    ? `mail through ${written.SMTP_SERVER}`
    : 'no SMTP server: Mastodon will send no mail';
  const settings = dbSettings(written);
  const release = releaseOf(a.version);
  return [
    {
      kind: 'dir',
      path: dir,
      mode: 0o755,
      description: `the install, root's (home of the ${SYSTEM_USER} user, who owns only the media folder)`,
    },
    {
      kind: 'dir',
      path: `${dir}/postgres14`,
      mode: 0o700,
      owner: { uid: UID.postgres, gid: UID.postgres },
      description: "PostgreSQL's data (the postgres container's user, uid 70)",
    },
    {
      kind: 'dir',
      path: `${dir}/redis`,
      mode: 0o755,
      owner: { uid: UID.redis, gid: UID.redisGroup },
      description: "Redis's data (the redis container's user, uid 999)",
    },
    { kind: 'dir', path: `${dir}/public`, mode: 0o755, description: 'public files' },
    {
      kind: 'dir',
      path: `${dir}/public/system`,
      mode: 0o755,
      owner: { uid: UID.mastodon, gid: UID.mastodon },
      description: "uploaded media (the Mastodon containers' user, uid 991)",
    },
    {
      kind: 'file',
      path: dbPath,
      mode: 0o600,
      secret: true,
      content: setEnv(
        input.existing[dbPath] ?? '',
        values.db,
        "# Written by wizard: PostgreSQL's first start creates this user and database",
      ),
      description: 'PostgreSQL user, database and password',
    },
    {
      kind: 'file',
      path: prodPath,
      mode: 0o600,
      secret: true,
      content: production,
      description: `domain, database, Redis, secrets; ${mail}`,
    },
    {
      kind: 'file',
      path: versionFile(dir),
      mode: 0o644,
      content: setEnv(
        input.existing[versionFile(dir)] ?? '',
        { MASTODON_VERSION: a.version },
        '# Written by wizard: the Mastodon release docker-compose.yml runs (wizard upgrade changes it)',
      ),
      description: 'the Mastodon release (MASTODON_VERSION, read by docker compose)',
    },
    {
      kind: 'file',
      path: `${dir}/${COMPOSE_FILE}`,
      mode: 0o644,
      content: renderTemplate(input.templates('mastodon/docker-compose.yml'), {
        name: a.name,
        project: input.project,
        version: a.version,
        postgres: String(release?.postgres ?? '14-alpine'),
        redis: String(release?.redis ?? '7-alpine'),
        dbUser: composeLiteral(settings.user),
        dbName: composeLiteral(settings.name),
        port: a.port,
        streamingPort: streamingPort(a),
      }),
      description: 'db, redis, web, streaming and sidekiq (web and streaming on 127.0.0.1 only)',
    },
  ];
}

const okBody = (status: number, body: string) =>
  status === 200 && body.trim() === 'OK'
    ? { ready: true, detail: 'ready' }
    : { ready: false, detail: `HTTP ${status}${body.trim() ? `: ${body.trim().slice(0, 60)}` : ''}` };

export default definePlatform({
  id: 'mastodon',
  title: 'Mastodon',
  description: 'Decentralised social network (ActivityPub), PostgreSQL and Redis',
  defaultDataDir: '/opt/mastodon',
  defaultPort: 3000,
  releases: releaseData.releases,
  requirements: { memoryMiB: 2048, diskGiB: 20, ports: (a) => [a.port, streamingPort(a)] },
  database: 'postgres', // PostgreSQL (and Redis); for the kernel's known-bad ranges
  questions,
  composeFiles: [COMPOSE_FILE],
  templates: ['mastodon/docker-compose.yml'],
  secretKeys: SECRET_KEYS,
  upgrade: mastodonUpgrade({ streamingPort, streamingHealth: STREAMING_HEALTH, judge: okBody }),
  doctor: {
    logPatterns,
    checks: doctorChecks,
    gather: (ctx) => gatherDoctor(ctx, streamingPort(ctx.answers)),
  },
  validateAnswers(a) {
    const web = a.port ?? 3000;
    if (Number(a.extra?.streamingPort ?? 4000) !== web) return [];
    return [
      {
        key: 'streamingPort',
        error: `The streaming API can't share port ${web} with the web app.`,
        remedy: 'Choose another --streaming-port (default 4000) or --port.',
      },
    ];
  },
  files,
  install: (s) => [
    ...proxySteps(s),
    ensureSystemUser(s, {
      name: SYSTEM_USER,
      uid: UID.mastodon,
      home: s.answers.dataDir,
      comment: 'Mastodon',
    }),
    writeFiles(s, 'Write docker-compose.yml, .env.production and .env.db', s.answers.dataDir),
    ...pullImages(s),
    composeUp(s, ['db', 'redis'], 'Start PostgreSQL and Redis', 'start PostgreSQL and Redis'),
    waitForDatabase(s),
    setupDatabase(s),
    migrate(s, 'pre'),
    composeUp(s),
    migrate(s, 'post'),
    createOwner(s),
    restart(s),
    waitHttp({
      id: 'ready',
      title: 'Wait until Mastodon answers',
      url: `http://127.0.0.1:${s.answers.port}/health`,
      judge: okBody,
      service: 'web',
      until: `until Mastodon ${s.answers.version} answers`,
    }),
    waitHttp({
      id: 'ready:streaming',
      title: 'Wait until Mastodon streaming answers',
      url: `http://127.0.0.1:${streamingPort(s.answers)}${STREAMING_HEALTH}`,
      judge: okBody,
      service: 'streaming',
      until: 'until the streaming API answers',
    }),
    checkVersion(s),
    checkMail(s),
  ],
  // The official images of the release, and the PostgreSQL and Redis it needs.
  images: (a, r) => [
    `ghcr.io/mastodon/mastodon:v${a.version}`,
    `ghcr.io/mastodon/mastodon-streaming:v${a.version}`,
    `postgres:${typeof r?.postgres === 'string' ? r.postgres : '14-alpine'}`,
    `redis:${typeof r?.redis === 'string' ? r.redis : '7-alpine'}`,
  ],
  // PostgreSQL first, until it accepts connections (restore and doctor --fix start the stack this way too).
  startOrder: [
    {
      title: 'PostgreSQL',
      services: ['db'],
      until: { kind: 'exec', service: 'db', command: ['pg_isready', '-h', '127.0.0.1'] },
    },
  ],
  readiness: { path: '/health', service: 'web', timeoutSeconds: 600, judge: okBody },
  envFile: (a) => ownerFile(a.dataDir),
  proxyNeeds: {
    websockets: ['/api/v1/streaming'],
    headers: ['Host', 'X-Forwarded-For', 'X-Forwarded-Proto: https'],
    note: 'Mastodon answers over https only and redirects plain http',
  },
  proxyLocations: (a) => [
    { path: '/api/v1/streaming', port: streamingPort(a), buffering: false },
    { path: '/', port: a.port },
  ],
  summary(answers, env, hostPath) {
    const username = env.OWNER_USERNAME ?? answers.extra.ownerUsername ?? 'owner';
    return {
      url: `https://${answers.domain}`,
      login: {
        username: env.OWNER_EMAIL ?? answers.email,
        ...(env.OWNER_PASSWORD ? { password: env.OWNER_PASSWORD } : {}),
        where: `${hostPath(ownerFile(answers.dataDir))} (OWNER_EMAIL, OWNER_PASSWORD; mode 0600)`,
      },
      notes: [
        `Mastodon logs in with the email address; your account is @${username}@${answers.domain} (role Owner). Change the password under Preferences > Account.`,
        `Containers: cd ${hostPath(answers.dataDir)} && docker compose ps`,
      ],
    };
  },
});
