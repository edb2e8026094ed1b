import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';

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
  const timeout = Number(env.WIZARD_READY_TIMEOUT);
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
    ...(Number.isFinite(timeout) && timeout > 0 ? { readyTimeoutSeconds: timeout } : {}),
    pollIntervalMs: Number(env.WIZARD_POLL_MS) > 0 ? Number(env.WIZARD_POLL_MS) : 2000,
    env,
  };
}
