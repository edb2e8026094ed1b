import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpRoot } from '../../helpers/tmp.js';
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
}

const FIXTURES: Record<string, FixtureName> = {
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
  platform: 'mattermost' | 'rocketchat';
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
  const root = tmpRoot(opts.prefix);
  const repo = await makeFixtureRepo(root, FIXTURES[opts.platform] as FixtureName);
  const port = await freePort();
  const env = { WIZARD_ROOT: root, ...opts.env };
  const args = [
    'install',
    '--platform',
    opts.platform,
    ...(opts.version ? ['--version', opts.version] : []),
    '--domain',
    'localhost',
    '--email',
    'admin@example.com',
  ];
  const r = await runWizard(
    [
      ...args,
      '--tls',
      'none',
      '--offline',
      '--yes',
      '--repo-url',
      repo,
      '--port',
      String(port),
      ...(opts.args ?? []),
    ],
    { ...env, ...opts.installEnv },
  );
  if (r.code !== 0) throw new Error(`install failed: ${r.stderr}`);
  return { root, repo, port, env, dataDir: join(root, `opt/${opts.platform}`) };
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
