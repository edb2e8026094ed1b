import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';
import type { HttpClient } from '../core/context.js';
import { UntrustedError, WizardError } from '../core/errors.js';
import {
  checkReleaseUrl,
  keyFingerprint,
  RELEASE_PUBLIC_KEY,
  type ReleaseTrust,
  releaseTrust,
  TEST_KEY_VAR,
  TEST_SWITCH,
  verifySignature,
} from '../core/release-key.js';
import type { Deps } from './deps.js';

/** Where releases are published; install.sh of the newest release sits in this folder. */
export const DEFAULT_UPDATE_URL = 'https://github.com/OWNER/wizard/releases/latest/download';

export const UPDATE_AVAILABLE = 10;

export function updateUrl(env: Record<string, string | undefined>): string | undefined {
  const u = env.WIZARD_UPDATE_URL ?? DEFAULT_UPDATE_URL;
  return u === 'off' || u === '' ? undefined : u.replace(/\/+$/, '');
}

const REFUSED_REMEDY =
  'Do not run it. The download is damaged, or something between this server and the release folder changed it; try again later, or check the release by hand (README, "Releases").';

/**
 * The newest published release: its install.sh, verified against the release key (install.sh.sig) before
 * anything reads it. An unsigned or altered script is an UntrustedError; an unreachable channel a plain Error.
 */
export async function latestRelease(
  http: HttpClient,
  url: string,
  trust: ReleaseTrust,
  timeoutMs = 5000,
): Promise<{ version: string; script: Uint8Array }> {
  const res = await http.request(`${url}/install.sh`, { timeoutMs });
  if (res.status !== 200) throw new Error(`no release install.sh at ${url} (HTTP ${res.status})`);
  const script = res.bytes ?? new TextEncoder().encode(res.body);
  const sig = await http.request(`${url}/install.sh.sig`, { timeoutMs });
  const key = `the release key ${keyFingerprint(trust.key).slice(0, 16)}…${trust.key === RELEASE_PUBLIC_KEY ? '' : ` (${TEST_KEY_VAR})`}`;
  if (sig.status !== 200)
    throw new UntrustedError(
      `${url}/install.sh is not signed (install.sh.sig: HTTP ${sig.status}); it was not run, and nothing was changed.`,
      REFUSED_REMEDY,
    );
  if (!verifySignature(script, sig.bytes ?? new TextEncoder().encode(sig.body), trust.key))
    throw new UntrustedError(
      `${url}/install.sh does not match its signature by ${key}; it was not run, and nothing was changed.`,
      REFUSED_REMEDY,
    );
  const text = new TextDecoder().decode(script);
  const version = /^\s*WIZARD_VERSION='([^'_][^']*)'/m.exec(text)?.[1];
  if (!text.startsWith('#!') || !version || semver.valid(version) === null)
    throw new Error(`the signed install.sh at ${url} names no release version`);
  return { version, script };
}

/** A one-line notice when a newer wizard is published; silent when the channel does not answer quickly. */
export async function newerWizard(deps: Pick<Deps, 'http' | 'env' | 'version'>): Promise<string | undefined> {
  const url = updateUrl(deps.env.env);
  if (!url) return undefined;
  let trust: ReleaseTrust;
  try {
    trust = releaseTrust(deps.env.env);
    checkReleaseUrl(url, trust, 'WIZARD_UPDATE_URL');
  } catch {
    return undefined;
  }
  const latest = await latestRelease(deps.http, url, trust, 2000).catch(() => undefined);
  return latest && semver.valid(latest.version) && semver.gt(latest.version, deps.version)
    ? latest.version
    : undefined;
}

/**
 * `wizard self-update [--check]`: replaces the wizard with the newest release, through its install.sh, once that
 * script's signature by the release key checks out (https only). Only a newer version is run: an old signed
 * release served again cannot take the wizard back.
 */
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
  // Refused before any request: a test key without the test switch, an http channel.
  const trust = releaseTrust(deps.env.env);
  checkReleaseUrl(url, trust, 'WIZARD_UPDATE_URL');
  const releaseUrl = deps.env.env.WIZARD_RELEASE_URL;
  if (releaseUrl) checkReleaseUrl(releaseUrl, trust, 'WIZARD_RELEASE_URL');
  if (trust.testMode)
    deps.term.stderr.write(
      `⚠ ${TEST_SWITCH}=1: http and ${trust.key === RELEASE_PUBLIC_KEY ? 'the pinned key' : `the test key in ${TEST_KEY_VAR}`} are accepted. Tests only, never on a real server.\n`,
    );
  let latest: { version: string; script: Uint8Array };
  try {
    latest = await latestRelease(deps.http, url, trust);
  } catch (e) {
    if (e instanceof UntrustedError) throw e;
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
  // The script is the verified bytes, in a fresh root-only folder. install.sh verifies the tarball against the
  // checksum written into it and the release key before unpacking, swaps releases atomically and keeps every
  // install's state; without a terminal it installs and does not start the wizard.
  const dir = await mkdtemp(join(tmpdir(), 'wizard-update-'));
  try {
    const script = join(dir, 'install.sh');
    await writeFile(script, latest.script, { mode: 0o700, flag: 'wx' });
    deps.term.stderr.write(
      `Updating the wizard ${deps.version} → ${latest.version} with ${url}/install.sh (signature checked: release key ${keyFingerprint(trust.key).slice(0, 16)}…)\n`,
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
