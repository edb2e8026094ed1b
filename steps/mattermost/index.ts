import releaseData from '../../assets/mattermost/releases.json' with { type: 'json' };
import { parseEnv, setEnv } from '../../src/core/envfile.js';
import { definePlatform } from '../../src/core/platform.js';
import { renderTemplate } from '../../src/core/template.js';
import { cloneRepo, composeUp, pullImages, waitReady, writeFiles } from '../../src/engine/tasks.js';
import { proxySteps } from '../proxy/index.js';
import { adminStep, validateUsername } from './admin.js';
import { checks as doctorChecks, logPatterns } from './doctor.js';
import {
  COMPOSE_FILES,
  DEFAULT_EDITION,
  EDITIONS,
  type Edition,
  editionFor,
  envValues,
  siteUrl,
  volumeDirs,
} from './env.js';
import { upgrade } from './upgrade.js';

/**
 * Mattermost from upstream's mattermost/docker (https://github.com/mattermost/docker): the clone is the data
 * dir; env.example's variables are the contract; compose.wizard.yml keeps the app port on 127.0.0.1 (in place
 * of upstream's docker-compose.without-nginx.yml) for the shared proxy, and turns on local mode for mmctl,
 * which creates the first admin.
 */

/** The release a server reports: the first three parts of its X-Version-Id header (version.build.hash.licensed). */
export function versionFromHeader(header: string | undefined): string | undefined {
  return /^(\d+\.\d+\.\d+)(?:\.|$)/.exec(header ?? '')?.[1];
}

export default definePlatform({
  id: 'mattermost',
  title: 'Mattermost',
  description: 'Team chat with channels, threads, playbooks and calls (PostgreSQL)',
  defaultDataDir: '/opt/mattermost',
  defaultPort: 8065,
  releases: releaseData.releases,
  // Mattermost's minimum: 1 vCPU and 2 GB of memory for up to 1,000 users. PostgreSQL is not published.
  requirements: { memoryMiB: 2048, diskGiB: 10, ports: (a) => [a.port] },
  database: 'postgres', // PostgreSQL; for the kernel's known-bad ranges
  questions: [
    {
      key: 'edition',
      flag: '--edition',
      env: 'WIZARD_EDITION',
      message: 'Mattermost edition:',
      description: `Mattermost's image: ${Object.keys(EDITIONS).join(' or ')} (default ${DEFAULT_EDITION}, or the one already installed)`,
      choices: (Object.keys(EDITIONS) as Edition[]).map((e) => ({
        value: e,
        name: EDITIONS[e].name,
        description: EDITIONS[e].description,
      })),
    },
    {
      key: 'adminUsername',
      flag: '--admin-username',
      env: 'WIZARD_ADMIN_USERNAME',
      message: 'Admin username:',
      description: "the first admin's username (default admin)",
      default: 'admin',
      validate: validateUsername,
    },
  ],
  repo: { url: 'https://github.com/mattermost/docker.git', branch: 'main' },
  composeFiles: COMPOSE_FILES,
  templates: ['mattermost/compose.wizard.yml'],
  secretKeys: ['POSTGRES_PASSWORD', 'MM_SQLSETTINGS_DATASOURCE', 'ADMIN_PASSWORD'],
  upgrade,
  doctor: { logPatterns, checks: doctorChecks },
  files(input) {
    const dir = input.answers.dataDir;
    const current = input.existing[`${dir}/.env`] ?? '';
    const existing = { ...parseEnv(current).values };
    const values = envValues(input, existing);
    const edition = editionFor(input.answers, existing);
    return [
      {
        kind: 'file',
        path: `${dir}/.env`,
        mode: 0o600,
        owner: { uid: 0, gid: 0 },
        content: setEnv(
          current,
          values,
          '# Written by wizard: the variables of mattermost/docker (env.example), and the first admin',
        ),
        secret: true,
        description: `${EDITIONS[edition].name} ${input.answers.version}, domain, port, database and first admin (holds POSTGRES_PASSWORD, ADMIN_PASSWORD)`,
      },
      {
        kind: 'file',
        path: `${dir}/compose.wizard.yml`,
        mode: 0o644,
        content: renderTemplate(input.templates('mattermost/compose.wizard.yml'), {
          name: input.answers.name,
          bindIp: '127.0.0.1',
        }),
        description: 'app port on 127.0.0.1, local mode for mmctl, postgres health check',
      },
      ...volumeDirs(dir),
    ];
  },
  install: (s) => [
    cloneRepo(s),
    writeFiles(s, 'Write .env, compose.wizard.yml and the volume folders', s.answers.dataDir),
    ...proxySteps(s),
    ...pullImages(s),
    composeUp(s),
    waitReady(s),
    adminStep(s),
  ],
  // Mattermost's live updates run over /api/v4/websocket; its SiteURL is https behind a proxy.
  proxyNeeds: {
    websockets: ['/api/v4/websocket'],
    headers: ['Host', 'X-Real-IP', 'X-Forwarded-For', 'X-Forwarded-Proto: https'],
  },
  // The edition's image and PostgreSQL (upstream's docker-compose.yml with the .env the wizard writes).
  images: (a, r) => [
    `mattermost/${EDITIONS[editionFor(a, {})].image}:${a.version}`,
    `postgres:${typeof r?.postgres === 'string' ? r.postgres : '16-alpine'}`,
  ],
  // PostgreSQL first, until it takes TCP connections: Mattermost then connects at once instead of retrying.
  startOrder: [
    {
      title: 'PostgreSQL',
      services: ['postgres'],
      until: { kind: 'exec', service: 'postgres', command: ['pg_isready', '-h', '127.0.0.1'] },
    },
  ],
  readiness: {
    path: '/api/v4/system/ping',
    service: 'mattermost',
    timeoutSeconds: 600,
    judge(status, body, headers) {
      if (status !== 200) return { ready: false, detail: `HTTP ${status}` };
      let ping: { status?: string };
      try {
        ping = JSON.parse(body) as { status?: string };
      } catch {
        return { ready: false, detail: 'answers with something that is not JSON' };
      }
      if (ping.status !== 'OK') return { ready: false, detail: `status ${ping.status ?? 'missing'}` };
      const version = versionFromHeader(headers?.['x-version-id']);
      return { ready: true, ...(version ? { version } : {}), detail: 'status OK' };
    },
  },
  summary(answers, env, hostPath) {
    const dir = hostPath(answers.dataDir);
    return {
      url: env.MM_SERVICESETTINGS_SITEURL ?? siteUrl(answers),
      login: {
        username: env.ADMIN_USERNAME ?? 'admin',
        ...(env.ADMIN_PASSWORD ? { password: env.ADMIN_PASSWORD } : {}),
        where: `${hostPath(`${answers.dataDir}/.env`)} (ADMIN_USERNAME, ADMIN_PASSWORD; mode 0600)`,
      },
      notes: [
        'Log in, create your first team, and set up email under System Console > Environment > SMTP.',
        'Calls (voice and video) need UDP and TCP port 8443 reachable; the wizard does not publish it.',
        `Containers: cd ${dir} && docker compose ps; admin tasks: docker compose exec mattermost mmctl --local ...`,
      ],
    };
  },
});
