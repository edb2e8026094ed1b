import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpRoot } from '../../helpers/tmp.js';
import { clearChatmailLeftover, heldRelayPorts, standinPorts, standinPortsEnv } from './chatmail.js';
import { dockerAvailable, ensureStandinImages, type FixtureName, makeFixtureRepo } from './standins.js';
import { freePort, runWizard } from './wizard.js';

export interface E2eInstall {
  root: string;
  repo: string;
  port: number;
  /** The env the tests run the wizard with (WIZARD_ROOT and what the caller added). */
  env: Record<string, string>;
  /** The install's data dir on this host. */
  dataDir: string;
  platform: E2ePlatform;
  /** Mastodon's streaming port. */
  streamingPort?: number;
}

export type E2ePlatform = 'mattermost' | 'rocketchat' | 'mastodon' | 'chatmail';

const FIXTURES: Partial<Record<E2ePlatform, FixtureName>> = {
  rocketchat: 'rocketchat-compose',
  mattermost: 'mattermost-docker',
  chatmail: 'chatmail-docker',
};

/**
 * A real install on the stand-in images under a fresh WIZARD_ROOT (`--tls none --offline --yes`, a local clone
 * of the platform's fixture repository, a free app port), for the e2e files that test what comes after it.
 * The e2e suite never skips: no engine is a failure.
 */
export async function e2eInstall(opts: {
  prefix: string;
  platform: E2ePlatform;
  version?: string;
  /** Env for every later wizard run (WIZARD_ROOT is added). */
  env?: Record<string, string>;
  /** Env for the install only (e.g. a longer readiness wait). */
  installEnv?: Record<string, string>;
  /** More install flags (e.g. --admin-username). */
  args?: string[];
}): Promise<E2eInstall> {
  if (!(await dockerAvailable()))
    throw new Error('No Docker engine answers: the e2e suite needs one (run .ci/setup-docker.sh).');
  await ensureStandinImages();
  if (opts.platform === 'chatmail') clearChatmailLeftover();
  const root = tmpRoot(opts.prefix);
  const fixture = FIXTURES[opts.platform];
  const repo = fixture ? await makeFixtureRepo(root, fixture) : '';
  const port = await freePort();
  let streamingPort: number | undefined;
  if (opts.platform === 'mastodon') {
    do streamingPort = await freePort();
    while (streamingPort === port);
  }
  // The relay serves its ports on the host: the stand-in moves them to free high ones (see chatmail.e2e.test.ts).
  const relay: Record<string, string> =
    opts.platform === 'chatmail'
      ? { STANDIN_PORTS: standinPortsEnv(await standinPorts()), WIZARD_READY_TIMEOUT: '90' }
      : {};
  const held = opts.platform === 'chatmail' ? await heldRelayPorts() : [];
  const env: Record<string, string> = { WIZARD_ROOT: root, ...relay, ...opts.env };
  const args = installArgs({
    platform: opts.platform,
    repo,
    port,
    ...(streamingPort ? { streamingPort } : {}),
    ...(opts.version ? { version: opts.version } : {}),
    args: [...(opts.platform === 'chatmail' ? ignoredChecksOf(held) : []), ...(opts.args ?? [])],
  });
  const r = await runWizard(args, { ...env, ...opts.installEnv });
  if (r.code !== 0) throw new Error(`install failed: ${r.stderr}`);
  return {
    root,
    repo,
    port,
    env,
    dataDir: join(root, `opt/${opts.platform}`),
    platform: opts.platform,
    ...(streamingPort ? { streamingPort } : {}),
  };
}

/**
 * The argv of a non-interactive `wizard install` in the e2e suite: the platform (and --version), a test domain
 * and email, `--tls none` with the app port (not for the relay, which serves its own TLS), `--offline`, `--yes`,
 * the local clone of the fixture repository, Mastodon's streaming port, then `args` (more flags, as given).
 */
export function installArgs(o: {
  platform: E2ePlatform;
  repo?: string;
  port?: number;
  streamingPort?: number;
  version?: string;
  /** null: no --domain (the answer comes from elsewhere, e.g. WIZARD_DOMAIN). */
  domain?: string | null;
  /** null: no --email. */
  email?: string | null;
  /** --tls (default none; the relay takes none). */
  tls?: string;
  /** false: no --offline (the images are pulled). */
  offline?: boolean;
  args?: string[];
}): string[] {
  const relay = o.platform === 'chatmail';
  const domain = o.domain === undefined ? (relay ? 'relay.wizard.test' : 'localhost') : o.domain;
  const email = o.email === undefined ? 'admin@example.com' : o.email;
  return [
    'install',
    '--platform',
    o.platform,
    ...(o.version ? ['--version', o.version] : []),
    ...(domain === null ? [] : ['--domain', domain]),
    ...(email === null ? [] : ['--email', email]),
    ...(relay ? [] : ['--tls', o.tls ?? 'none']),
    ...(o.offline === false ? [] : ['--offline']),
    '--yes',
    ...(o.repo ? ['--repo-url', o.repo] : []),
    ...(o.port && !relay ? ['--port', String(o.port)] : []),
    ...(o.streamingPort ? ['--streaming-port', String(o.streamingPort)] : []),
    ...(o.args ?? []),
  ];
}

const ignoredChecksOf = (held: number[]) => [
  '--ignore-check',
  'cgroups-v2',
  ...(held.length ? ['--ignore-check', 'ports'] : []),
];

/** The checks `wizard install` on this host needs besides its answers (the relay's cgroups v1 and held ports). */
export async function ignoredChecks(platform: E2ePlatform): Promise<string[]> {
  if (platform !== 'chatmail') return [];
  return ignoredChecksOf(await heldRelayPorts());
}

/** Removes the install's containers and volumes (its .env names the project and files) and its WIZARD_ROOT. */
export function removeE2eInstall(i: E2eInstall | undefined): void {
  if (!i) return;
  try {
    execFileSync('docker', ['compose', 'down', '--volumes', '--remove-orphans', '--timeout', '2'], {
      cwd: i.dataDir,
      stdio: 'ignore',
    });
  } catch {
    // nothing was started
  }
  rmSync(i.root, { recursive: true, force: true });
}
