import { accessSync, constants, lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * The binary `docker compose` runs, found the way the docker CLI finds its plugins (docker/cli's
 * cli-plugins/manager: the config folder's cli-plugins first, then the system folders; the first one wins). The
 * CLI spends 130 ms or more per `docker compose` call starting itself and listing its plugins; running the
 * plugin's binary skips that, and an install calls Compose a dozen times.
 *
 * None (every call then goes through `docker compose`) unless both ends are what a root-run tool can trust and the
 * CLI's look-up cannot differ from this one: the `docker` on PATH is a system program (under /usr, /bin or /sbin,
 * root's alone: not a wrapper of the admin's), no extra plugin folders are configured, and the plugin found first
 * is a plain executable file owned by root and writable by root alone (else another uid could swap what root runs;
 * a link is left to the CLI).
 */
export const SYSTEM_PLUGIN_DIRS = [
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins',
];

const rootsAlone = (st: { uid: number; mode: number }) => st.uid === 0 && (st.mode & 0o022) === 0;

/** The `docker` a command named `docker` runs: the first executable one on PATH, links resolved. */
function dockerOnPath(env: Record<string, string | undefined>): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, 'docker');
    try {
      accessSync(p, constants.X_OK);
      return realpathSync(p);
    } catch {
      // next
    }
  }
  return undefined;
}

export function composePlugin(env: Record<string, string | undefined> = process.env): string | undefined {
  if (env.DOCKER_CLI_PLUGIN_EXTRA_DIRS) return undefined;
  const docker = dockerOnPath(env);
  if (!docker || !/^\/(usr|bin|sbin)\//.test(docker)) return undefined;
  try {
    if (!rootsAlone(statSync(docker))) return undefined;
  } catch {
    return undefined;
  }
  let home = env.HOME;
  try {
    home ||= homedir();
  } catch {
    return undefined; // no home folder known (a uid without a passwd entry): the CLI's look-up is left to it
  }
  const configDir = env.DOCKER_CONFIG || join(home, '.docker');
  try {
    const config = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as {
      cliPluginsExtraDirs?: unknown;
    };
    if (Array.isArray(config.cliPluginsExtraDirs) && config.cliPluginsExtraDirs.length) return undefined;
  } catch {
    // no config (or not JSON: the CLI then ignores it too)
  }
  for (const dir of [join(configDir, 'cli-plugins'), ...SYSTEM_PLUGIN_DIRS]) {
    const path = join(dir, 'docker-compose');
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    // The first one found is the CLI's choice: used only when it is root's alone and a plain executable file.
    if (!st.isFile() || (st.mode & 0o111) === 0) return undefined;
    return rootsAlone(st) ? path : undefined;
  }
  return undefined;
}
