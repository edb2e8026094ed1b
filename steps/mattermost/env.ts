import releaseData from '../../assets/mattermost/releases.json' with { type: 'json' };
import type { FileSpec } from '../../src/core/plan.js';
import type { InstallAnswers, PlanInput } from '../../src/core/platform.js';
import { releaseFor } from '../../src/core/release-feed.js';
import { MATTERMOST_FEED } from './feed.js';

/**
 * The contract with upstream's mattermost/docker: the variables of its env.example (the ones its
 * docker-compose.yml reads), the compose files, and the folders its bind mounts expect.
 */
export const COMPOSE_FILES = ['docker-compose.yml', 'compose.wizard.yml'];
export const CONTAINER_PORT = 8065;
/** The uid and gid the mattermost image runs as; its bind-mounted folders must be theirs. */
export const MATTERMOST_UID = 2000;

export const EDITIONS = {
  team: { image: 'mattermost-team-edition', name: 'Team Edition', description: 'open source (MIT/AGPL)' },
  enterprise: {
    image: 'mattermost-enterprise-edition',
    name: 'Enterprise Edition',
    description: 'free without a license; paid features unlock with one',
  },
} as const;
export type Edition = keyof typeof EDITIONS;
export const DEFAULT_EDITION: Edition = 'team';

export function isEdition(v: string | undefined): v is Edition {
  return v !== undefined && Object.hasOwn(EDITIONS, v);
}

/** The edition an existing .env names through MATTERMOST_IMAGE, if any. */
export function editionOfImage(image: string | undefined): Edition | undefined {
  return (Object.keys(EDITIONS) as Edition[]).find((e) => EDITIONS[e].image === image);
}

/**
 * The edition to install: the answer, else the one already installed (a re-run without --edition never
 * switches an enterprise install to team), else the default.
 */
export function editionFor(
  answers: Pick<InstallAnswers, 'extra'>,
  existing: Record<string, string>,
): Edition {
  const asked = answers.extra.edition;
  return isEdition(asked) ? asked : (editionOfImage(existing.MATTERMOST_IMAGE) ?? DEFAULT_EDITION);
}

/** The URL users open, as Mattermost's SiteURL (no trailing slash). */
export function siteUrl(a: Pick<InstallAnswers, 'domain' | 'tls' | 'port'>): string {
  if (a.tls !== 'none') return `https://${a.domain}`;
  // Behind the user's own proxy a real domain is served over https; an address or localhost is reached directly.
  return /^(localhost|[\d.]+|[0-9a-f:]+)$/i.test(a.domain)
    ? `http://${a.domain}:${a.port}`
    : `https://${a.domain}`;
}

/** Upstream's bind-mount folders under volumes/app/mattermost (env.example's MATTERMOST_*_PATH). */
export const VOLUME_PATHS = {
  MATTERMOST_CONFIG_PATH: './volumes/app/mattermost/config',
  MATTERMOST_DATA_PATH: './volumes/app/mattermost/data',
  MATTERMOST_LOGS_PATH: './volumes/app/mattermost/logs',
  MATTERMOST_PLUGINS_PATH: './volumes/app/mattermost/plugins',
  MATTERMOST_CLIENT_PLUGINS_PATH: './volumes/app/mattermost/client/plugins',
  MATTERMOST_BLEVE_INDEXES_PATH: './volumes/app/mattermost/bleve-indexes',
} as const;

/**
 * The folders, parents first. Only the bind-mounted leaves belong to the container's user (config.json holds
 * secrets: 0700); their parents stay root's, so that user can't swap a leaf for a link between two runs.
 */
export function volumeDirs(dataDir: string): FileSpec[] {
  const owner = { uid: MATTERMOST_UID, gid: MATTERMOST_UID };
  const path = (rel: string) => `${dataDir}/${rel.replace(/^\.\//, '')}`;
  const parent = (rel: string, description: string): FileSpec => ({
    kind: 'dir',
    path: path(rel),
    mode: 0o755,
    description: `${description} (root's)`,
  });
  const leaf = (rel: string, mode: number, description: string): FileSpec => ({
    kind: 'dir',
    path: path(rel),
    mode,
    owner,
    description: `${description} (owned ${MATTERMOST_UID}:${MATTERMOST_UID}, the container's user)`,
  });
  return [
    parent('./volumes/app/mattermost', 'Mattermost volumes'),
    leaf(VOLUME_PATHS.MATTERMOST_CONFIG_PATH, 0o700, 'config.json'),
    leaf(VOLUME_PATHS.MATTERMOST_DATA_PATH, 0o750, 'uploaded files'),
    leaf(VOLUME_PATHS.MATTERMOST_LOGS_PATH, 0o750, 'server logs'),
    leaf(VOLUME_PATHS.MATTERMOST_PLUGINS_PATH, 0o750, 'server plugins'),
    parent('./volumes/app/mattermost/client', 'client files'),
    leaf(VOLUME_PATHS.MATTERMOST_CLIENT_PLUGINS_PATH, 0o750, 'client plugins'),
    leaf(VOLUME_PATHS.MATTERMOST_BLEVE_INDEXES_PATH, 0o750, 'search indexes'),
  ];
}

/**
 * The .env values. Secrets are generated once and never replaced; the database settings, which PostgreSQL
 * takes only on its first start, are kept as they are; so is the PostgreSQL image tag (a new major version
 * does not start on an older data folder).
 */
export function envValues(input: PlanInput, existing: Record<string, string>): Record<string, string> {
  const a = input.answers;
  // A release from the feed (install --version) takes its series' PostgreSQL from the newest shipped one.
  const release = releaseFor(releaseData.releases, a.version, MATTERMOST_FEED);
  const postgres = {
    POSTGRES_IMAGE_TAG:
      existing.POSTGRES_IMAGE_TAG ?? (typeof release?.postgres === 'string' ? release.postgres : '16-alpine'),
    POSTGRES_DATA_PATH: existing.POSTGRES_DATA_PATH ?? './volumes/db/var/lib/postgresql/data',
    POSTGRES_USER: existing.POSTGRES_USER ?? 'mmuser',
    POSTGRES_PASSWORD: existing.POSTGRES_PASSWORD ?? input.generateSecret(),
    POSTGRES_DB: existing.POSTGRES_DB ?? 'mattermost',
  };
  return {
    COMPOSE_PROJECT_NAME: input.project,
    COMPOSE_FILE: COMPOSE_FILES.join(':'),
    DOMAIN: a.domain,
    TZ: existing.TZ ?? 'UTC',
    RESTART_POLICY: existing.RESTART_POLICY ?? 'unless-stopped',
    ...postgres,
    ...VOLUME_PATHS,
    MM_BLEVESETTINGS_INDEXDIR: '/mattermost/bleve-indexes',
    MATTERMOST_IMAGE: EDITIONS[editionFor(a, existing)].image,
    MATTERMOST_IMAGE_TAG: a.version,
    MATTERMOST_CONTAINER_READONLY: existing.MATTERMOST_CONTAINER_READONLY ?? 'false',
    APP_PORT: String(a.port),
    MM_SQLSETTINGS_DRIVERNAME: 'postgres',
    // Upstream writes this with ${...} references; a value with ? and & is single-quoted here, which Compose
    // reads literally, so the values go in as they are.
    MM_SQLSETTINGS_DATASOURCE: `postgres://${encodeURIComponent(postgres.POSTGRES_USER)}:${encodeURIComponent(postgres.POSTGRES_PASSWORD)}@postgres:5432/${postgres.POSTGRES_DB}?sslmode=disable&connect_timeout=10`,
    MM_SERVICESETTINGS_SITEURL: siteUrl(a),
    // Not upstream's: the first admin, created with mmctl once the server answers.
    ADMIN_USERNAME: existing.ADMIN_USERNAME ?? a.extra.adminUsername ?? 'admin',
    ADMIN_EMAIL: existing.ADMIN_EMAIL ?? a.email,
    ADMIN_PASSWORD: existing.ADMIN_PASSWORD ?? input.generateSecret(),
  };
}
