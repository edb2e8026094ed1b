import releaseData from '../../assets/mastodon/releases.json' with { type: 'json' };
import { composeCommand } from '../../src/core/compose.js';
import type { FileStore } from '../../src/core/context.js';
import { parseEnv, setEnv } from '../../src/core/envfile.js';
import type { CommandSpec, FileSpec } from '../../src/core/plan.js';
import { definePlatform, type InstallAnswers, type PlanInput } from '../../src/core/platform.js';
import { releaseFor } from '../../src/core/release-feed.js';
import { composeUp, ensureSystemUser, pullImages, waitHttp, writeFiles } from '../../src/core/tasks.js';
import { renderTemplate } from '../../src/core/template.js';
import { proxyTasks } from '../proxy/index.js';
import { checks as doctorChecks, gather as gatherDoctor, logPatterns } from './doctor.js';
import { dbSettings, envValues } from './env.js';
import { questions } from './questions.js';
import { SECRET_KEYS } from './secrets.js';
import {
  checkMail,
  checkVersion,
  createOwner,
  mastodonArgs,
  migrate,
  ownerFile,
  restart,
  setupDatabase,
  waitForDatabase,
} from './tasks.js';
import { MASTODON_FEED, mastodonUpgrade, versionFile } from './upgrade.js';

/**
 * Mastodon from the official images (ghcr.io/mastodon/mastodon, mastodon-streaming) with our own compose file
 * after upstream's docker-compose.yml: no clone. The install is owned by the system user `mastodon` (uid 991 like
 * the images' user, where free); the data folders belong to the containers' own users.
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
      user: SYSTEM_USER,
      description: `the install (home of the ${SYSTEM_USER} user)`,
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
    { kind: 'dir', path: `${dir}/public`, mode: 0o755, user: SYSTEM_USER, description: 'public files' },
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
      user: SYSTEM_USER,
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
      user: SYSTEM_USER,
      secret: true,
      content: production,
      description: `domain, database, Redis, secrets; ${mail}`,
    },
    {
      kind: 'file',
      path: versionFile(dir),
      mode: 0o644,
      user: SYSTEM_USER,
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
      user: SYSTEM_USER,
      content: renderTemplate(input.templates('mastodon/docker-compose.yml'), {
        name: a.name,
        project: input.project,
        version: a.version,
        postgres: String(release?.postgres ?? '14-alpine'),
        redis: String(release?.redis ?? '7-alpine'),
        dbUser: settings.user,
        dbName: settings.name,
        port: a.port,
        streamingPort: streamingPort(a),
      }),
      description: 'db, redis, web, streaming and sidekiq (web and streaming on 127.0.0.1 only)',
    },
  ];
}

function commands(
  input: PlanInput,
  compose: (args: string[]) => { file: string; args: string[]; cwd?: string },
): CommandSpec[] {
  const a = input.answers;
  const db = dbSettings(parseEnv(input.existing[`${a.dataDir}/.env.production`] ?? '').values);
  // The owner file is written at run time (it is not in the plan): a later run keeps the owner it names.
  const username = a.extra.ownerUsername ?? 'owner';
  const up = (services: string[]) => [
    'up',
    '-d',
    '--remove-orphans',
    ...(a.offline ? ['--pull', 'never'] : []),
    ...services,
  ];
  const at = (phase: CommandSpec['phase'], args: string[], description: string): CommandSpec => ({
    ...compose(args),
    description,
    ...(phase ? { phase } : {}),
  });
  return [
    {
      file: 'useradd',
      args: [
        '--system',
        '--uid',
        String(UID.mastodon),
        '--gid',
        SYSTEM_USER,
        '--home-dir',
        a.dataDir,
        '--no-create-home',
        '--shell',
        '/usr/sbin/nologin',
        '--comment',
        'Mastodon',
        SYSTEM_USER,
      ],
      description: `unless it exists: the ${SYSTEM_USER} system user (uid ${UID.mastodon} where free) and its group`,
      phase: 'before-up',
    },
    at('start', up(['db', 'redis']), 'start PostgreSQL and Redis'),
    at('start', mastodonArgs.pgReady(db), 'until PostgreSQL accepts connections'),
    at(
      'start',
      mastodonArgs.setup,
      'only on an empty database (no tables): load the schema and seed it; never on an existing one',
    ),
    at('start', mastodonArgs.migratePre, 'pre-deployment migrations'),
    at('start', up([]), 'start the containers'),
    at('start', mastodonArgs.migratePost, 'post-deployment migrations'),
    at(
      undefined,
      mastodonArgs.createOwner(username, a.email),
      `once: the owner; tootctl prints its password, kept in ${input.hostPath(ownerFile(a.dataDir))} (0600)`,
    ),
    at(undefined, mastodonArgs.approve(username), 'approve the owner'),
    at(undefined, mastodonArgs.restart, 'restart the app containers'),
    {
      file: 'GET',
      args: [`http://127.0.0.1:${streamingPort(a)}${STREAMING_HEALTH}`],
      description: 'until the streaming API answers',
      phase: 'after-ready',
    },
    {
      file: 'GET',
      args: [`http://127.0.0.1:${a.port}/api/v1/instance`],
      description: `Host: ${a.domain}; the version Mastodon reports`,
      phase: 'after-ready',
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
  commands: (input) => {
    const like = {
      project: input.project,
      projectDir: input.answers.dataDir,
      composeFiles: [COMPOSE_FILE],
      files: { real: input.hostPath } as FileStore,
    };
    return commands(input, (args) => composeCommand(like, args));
  },
  install: (ctx) => [
    ...proxyTasks(),
    ensureSystemUser({
      name: SYSTEM_USER,
      uid: UID.mastodon,
      home: ctx.answers.dataDir,
      comment: 'Mastodon',
    }),
    writeFiles('Write docker-compose.yml, .env.production and .env.db', (ctx) => ctx.answers.dataDir),
    pullImages(),
    composeUp(['db', 'redis'], 'Start PostgreSQL and Redis'),
    waitForDatabase(),
    setupDatabase(),
    migrate('pre'),
    composeUp(),
    migrate('post'),
    createOwner(),
    restart(),
    waitHttp({
      id: 'ready',
      title: 'Wait until Mastodon answers',
      url: (ctx) => `http://127.0.0.1:${ctx.answers.port}/health`,
      judge: () => okBody,
      service: () => 'web',
    }),
    waitHttp({
      id: 'ready:streaming',
      title: 'Wait until Mastodon streaming answers',
      url: (ctx) => `http://127.0.0.1:${streamingPort(ctx.answers)}${STREAMING_HEALTH}`,
      judge: () => okBody,
      service: () => 'streaming',
    }),
    checkVersion(),
    checkMail(),
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
        ...(answers.tls === 'none'
          ? [
              `Mastodon answers over https only: your proxy terminates TLS for ${answers.domain} and forwards /api/v1/streaming to 127.0.0.1:${streamingPort(answers)} (websocket, no buffering) and / to 127.0.0.1:${answers.port}.`,
            ]
          : []),
        `Containers: cd ${hostPath(answers.dataDir)} && docker compose ps`,
      ],
    };
  },
});
