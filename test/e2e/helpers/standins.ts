// Helpers for e2e tests that run real `docker compose` stacks on local stand-in images (test/e2e/standins) and on
// fixture copies of upstream compose repositories (test/e2e/fixtures). No registry is ever contacted.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const standinsDir = path.resolve(here, '../standins');
const fixturesDir = path.resolve(here, '../fixtures');

/**
 * Rocket.Chat stand-in versions built when none are asked for. `9.9.9-broken` fails its migration seconds after
 * connecting, `9.9.9-crash` exits at once ("Cannot find module"): for rollbacks and the waits' crash detection.
 */
export const DEFAULT_ROCKETCHAT_VERSIONS = [
  '7.13.0',
  '8.0.0',
  '8.0.1',
  '9.9.9-broken',
  '9.9.9-crash',
] as const;

/** The images the stand-in build produces besides Rocket.Chat (as Docker names them locally). */
export const STANDIN_IMAGES = [
  'mongodb/mongodb-community-server:8.2-ubi8',
  'mongodb/mongodb-community-server:8.0-ubi8',
  'nats:2.11-alpine',
  'natsio/prometheus-nats-exporter:0.17.3',
  'percona/mongodb_exporter:0.44.0',
  'mattermost/mattermost-team-edition:11.7.15',
  'mattermost/mattermost-enterprise-edition:11.7.15',
  'mattermost/mattermost-team-edition:10.11.23',
  'postgres:16-alpine',
  'ghcr.io/chatmail/docker:1.12.0',
  'ghcr.io/chatmail/docker:1.11.0',
  // Mastodon (test/e2e/standins/mastodon; MASTODON_VERSIONS in build.sh picks the releases)
  'ghcr.io/mastodon/mastodon:v4.5.11',
  'ghcr.io/mastodon/mastodon-streaming:v4.5.11',
  'ghcr.io/mastodon/mastodon:v4.4.8',
  'ghcr.io/mastodon/mastodon-streaming:v4.4.8',
  'postgres:14-alpine',
  'redis:7-alpine',
  // the shared proxy (test/e2e/standins/nginx-certbot)
  'jonasal/nginx-certbot:latest',
] as const;

export type FixtureName = 'rocketchat-compose' | 'mattermost-docker' | 'chatmail-docker';

interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a program without a shell; resolves with its exit code and interleaved stdout+stderr. */
function run(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', (err) => resolve({ code: null, output: `${output}${err.message}\n` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

const tail = (text: string, lines = 40): string => text.trimEnd().split('\n').slice(-lines).join('\n');

const builds = new Map<string, Promise<void>>();

/**
 * Builds the stand-in images that are missing or stale (test/e2e/standins/build.sh; about 1 s when nothing
 * changed). `rocketchatVersions` replaces the default list of Rocket.Chat tags. Calls with the same list share
 * one build per process; build.sh itself serialises concurrent processes. Throws with the build log's tail.
 */
export function ensureStandinImages(opts: { rocketchatVersions?: string[] } = {}): Promise<void> {
  // test/e2e/lanes.mjs builds the default set once before its lanes start: a file starting in one lane must not
  // rebuild a tag that a file of the other lane points elsewhere for its test (waits.e2e's crashing 8.0.0).
  if (process.env.WIZARD_E2E_STANDINS === 'built' && !opts.rocketchatVersions) return Promise.resolve();
  const versions = [...new Set(opts.rocketchatVersions ?? DEFAULT_ROCKETCHAT_VERSIONS)];
  const key = versions.join(' ');
  let build = builds.get(key);
  if (!build) {
    build = (async () => {
      const result = await run('bash', [path.join(standinsDir, 'build.sh'), ...versions]);
      if (result.code !== 0) {
        throw new Error(
          `building the stand-in images failed (exit ${result.code}); last lines of the log:\n${tail(result.output)}`,
        );
      }
    })();
    builds.set(key, build);
    build.catch(() => builds.delete(key));
  }
  return build;
}

// Fixed identity and dates: the fixture repository's commit is the same on every run.
const gitEnv: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Wizard Fixtures',
  GIT_AUTHOR_EMAIL: 'fixtures@wizard.invalid',
  GIT_AUTHOR_DATE: '2025-01-01T00:00:00Z',
  GIT_COMMITTER_NAME: 'Wizard Fixtures',
  GIT_COMMITTER_EMAIL: 'fixtures@wizard.invalid',
  GIT_COMMITTER_DATE: '2025-01-01T00:00:00Z',
};

async function git(args: string[], cwd?: string): Promise<void> {
  const result = await run('git', args, { cwd, env: gitEnv });
  if (result.code !== 0)
    throw new Error(`git ${args.join(' ')} failed (exit ${result.code}):\n${tail(result.output)}`);
}

/**
 * Publishes test/e2e/fixtures/<name> as a bare git repository at <parentDir>/<name>.git with one commit on
 * `main`, and returns that path: pass it to `git clone` as the repository URL.
 */
export async function makeFixtureRepo(parentDir: string, name: FixtureName): Promise<string> {
  const source = path.join(fixturesDir, name);
  const target = path.join(parentDir, `${name}.git`);
  if (await stat(target).catch(() => null)) throw new Error(`makeFixtureRepo: ${target} already exists`);
  const work = await mkdtemp(path.join(parentDir, `.${name}-work-`));
  try {
    await cp(source, work, { recursive: true });
    await git(['init', '--quiet', '-b', 'main'], work);
    await git(['add', '--all'], work);
    await git(['commit', '--quiet', '--no-gpg-sign', '-m', `${name} fixture`], work);
    await git(['init', '--quiet', '--bare', '-b', 'main', target]);
    await git(['push', '--quiet', target, 'main'], work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return target;
}

/** True when a Docker engine answers and the Compose v2 plugin is installed. */
export async function dockerAvailable(): Promise<boolean> {
  const info = await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 20_000 });
  if (info.code !== 0) return false;
  const compose = await run('docker', ['compose', 'version'], { timeoutMs: 20_000 });
  return compose.code === 0;
}
