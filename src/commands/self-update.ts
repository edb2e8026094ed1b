import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';
import type { HttpClient } from '../core/context.js';
import { WizardError } from '../core/errors.js';
import type { Deps } from './deps.js';

/** Where releases are published; install.sh of the newest release sits in this folder. */
export const DEFAULT_UPDATE_URL = 'https://github.com/OWNER/wizard/releases/latest/download';

export const UPDATE_AVAILABLE = 10;

export function updateUrl(env: Record<string, string | undefined>): string | undefined {
  const u = env.WIZARD_UPDATE_URL ?? DEFAULT_UPDATE_URL;
  return u === 'off' || u === '' ? undefined : u.replace(/\/+$/, '');
}

/** The newest published release: the version written into its install.sh, and the script itself. */
export async function latestRelease(
  http: HttpClient,
  url: string,
  timeoutMs = 5000,
): Promise<{ version: string; script: string }> {
  const res = await http.request(`${url}/install.sh`, { timeoutMs });
  const version = /^\s*WIZARD_VERSION='([^'_][^']*)'/m.exec(res.body)?.[1];
  if (res.status !== 200 || !res.body.startsWith('#!') || !version)
    throw new Error(`no release install.sh at ${url} (HTTP ${res.status})`);
  return { version, script: res.body };
}

/** A one-line notice when a newer wizard is published; silent when the channel does not answer quickly. */
export async function newerWizard(deps: Pick<Deps, 'http' | 'env' | 'version'>): Promise<string | undefined> {
  const url = updateUrl(deps.env.env);
  if (!url) return undefined;
  const latest = await latestRelease(deps.http, url, 2000).catch(() => undefined);
  return latest && semver.valid(latest.version) && semver.gt(latest.version, deps.version)
    ? latest.version
    : undefined;
}

/** `wizard self-update [--check] [--yes]`: replaces the wizard with the newest release, through its install.sh. */
export async function selfUpdateCommand(
  opts: { check?: boolean; json?: boolean },
  deps: Deps,
): Promise<number> {
  const url = updateUrl(deps.env.env);
  if (!url)
    throw new WizardError(
      'Updates are turned off (WIZARD_UPDATE_URL=off).',
      'Unset WIZARD_UPDATE_URL, or point it at a release folder.',
    );
  let latest: { version: string; script: string };
  try {
    latest = await latestRelease(deps.http, url);
  } catch (e) {
    throw new WizardError(
      `Can't read the newest release from ${url}: ${(e as Error).message}`,
      "Check this server's network, or set WIZARD_UPDATE_URL to a mirror of the release folder.",
    );
  }
  const newer = semver.valid(latest.version) !== null && semver.gt(latest.version, deps.version);
  if (opts.check) {
    if (opts.json)
      deps.term.stdout.write(
        `${JSON.stringify({ current: deps.version, latest: latest.version, updateAvailable: newer, channel: url }, null, 2)}\n`,
      );
    else
      deps.term.stdout.write(
        newer
          ? `The wizard ${latest.version} is published (this is ${deps.version}). Run: wizard self-update\n`
          : `The wizard ${deps.version} is up to date.\n`,
      );
    return newer ? UPDATE_AVAILABLE : 0;
  }
  if (!newer) {
    deps.term.stdout.write(`The wizard ${deps.version} is up to date.\n`);
    return 0;
  }
  // install.sh verifies the tarball against the checksum written into it, swaps releases atomically and
  // keeps every install's state; without a terminal it installs and does not start the wizard.
  const dir = await mkdtemp(join(tmpdir(), 'wizard-update-'));
  try {
    const script = join(dir, 'install.sh');
    await writeFile(script, latest.script, { mode: 0o700 });
    deps.term.stderr.write(
      `Updating the wizard ${deps.version} → ${latest.version} with ${url}/install.sh\n`,
    );
    await deps.runner.run(
      {
        file: 'bash',
        args: [script],
        remedy: 'The wizard in place was left as it was; run install.sh by hand to see more.',
      },
      { onLine: (l) => deps.term.stderr.write(`  ${l}\n`) },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  deps.term.stdout.write(`✔ Updated the wizard ${deps.version} → ${latest.version}.\n`);
  return 0;
}
