import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';

/** Where the wizard keeps its state (a logical host path: WIZARD_ROOT maps it). */
export const STATE_DIR = '/var/lib/wizard';

/**
 * Where the wizard reads and writes. Every absolute host path sits under WIZARD_ROOT (default /),
 * so a test or a staging run never touches the host.
 */
export interface Environment {
  root: string;
  hostPath: (p: string) => string;
  stateDir: string;
  logDir: string;
  /** Compose project names get a suffix under a non-default root, so staging runs never collide. */
  projectName: (name: string) => string;
  interactive: boolean;
  desktop: boolean;
  readyTimeoutSeconds?: number;
  pollIntervalMs: number;
  env: Record<string, string | undefined>;
}

export function buildEnvironment(
  env: Record<string, string | undefined>,
  tty: { stdin: boolean; stderr: boolean },
): Environment {
  const root = resolve(env.WIZARD_ROOT || '/');
  const hostPath = (p: string) => (root === '/' ? p : join(root, p));
  const suffix = root === '/' ? '' : `-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`;
  const timeout = numberFromEnv(env, 'WIZARD_READY_TIMEOUT', { min: 1, max: 86_400, unit: 'seconds' });
  const pollMs = numberFromEnv(env, 'WIZARD_POLL_MS', { min: 10, max: 60_000, unit: 'milliseconds' });
  return {
    root,
    hostPath,
    stateDir: hostPath(STATE_DIR),
    logDir: hostPath('/var/log/wizard'),
    projectName: (name) => `${name}${suffix}`,
    // In CI Ink draws only a final frame, so questions could not be seen: treat it as no terminal.
    interactive:
      tty.stdin &&
      tty.stderr &&
      env.TERM !== 'dumb' &&
      (env.CI === undefined || env.CI === '0' || env.CI === 'false'),
    desktop: Boolean(env.DISPLAY || env.WAYLAND_DISPLAY) && !env.SSH_CONNECTION,
    ...(timeout !== undefined ? { readyTimeoutSeconds: timeout } : {}),
    pollIntervalMs: pollMs ?? 2000,
    env,
  };
}

/** A whole number from an env var within [min, max]; unset or empty is undefined; anything else is bad input. */
function numberFromEnv(
  env: Record<string, string | undefined>,
  name: string,
  range: { min: number; max: number; unit: string },
): number | undefined {
  const v = env[name]?.trim();
  if (v === undefined || v === '') return undefined;
  const n = /^\d{1,9}$/.test(v) ? Number(v) : Number.NaN;
  if (Number.isInteger(n) && n >= range.min && n <= range.max) return n;
  throw new UserError(
    `${name}="${v.slice(0, 40)}" is not a whole number of ${range.unit} from ${range.min} to ${range.max}.`,
    `Set ${name} to a number such as ${range.min === 1 ? 600 : 2000}, or unset it.`,
  );
}
