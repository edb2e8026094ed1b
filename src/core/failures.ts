import { commonLogPatterns, type LogPattern } from './doctor.js';
import type { Platform } from './platform.js';

/**
 * The known failures of a platform's containers, as their logs show them: the shared patterns and the platform's
 * own (steps/<platform>/doctor.ts). One set, read by `wizard doctor` and by every wait (src/engine/wait.ts).
 */
export function logPatternsOf(platform: Pick<Platform, 'doctor'>): LogPattern[] {
  return [...commonLogPatterns, ...(platform.doctor?.logPatterns ?? [])];
}

/** A log line without colours, cursor movements or carriage returns (containers with `tty: true` send them). */
export function plainLine(line: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are what is stripped
  return line.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|[\x00-\x08\x0b-\x1f\x7f]/g, '').trim();
}

/**
 * Known causes behind a failed command, read from its output: a summary that names the cause and the
 * remedy for it. Pure, so the runner (and tests) can ask it about any output.
 */
export interface Explained {
  summary: string;
  remedy: string;
}

const AGAIN = 'then run the same command again: finished steps are kept.';

export function explainFailure(file: string, args: readonly string[], output: string): Explained | undefined {
  if (/no space left on device|out of diskspace|ENOSPC/i.test(output)) {
    return {
      summary: 'The disk is full (no space left on device)',
      remedy: `Free space (df -h${file === 'docker' ? '; docker system df' : ''}), ${AGAIN}`,
    };
  }
  if (file === 'docker') {
    // First: the daemon answered with a registry error (Compose then also reports the pulls it cancelled as
    // "Cannot connect to the Docker daemon", which is not the cause).
    const registry =
      /(?:Get|Head) "?(https?:\/\/[^/"\s]+)[^\n]*?(?:connection refused|no such host|i\/o timeout|network is unreachable|TLS handshake timeout|server misbehaving|Temporary failure in name resolution)/.exec(
        output,
      );
    if (registry && (args.includes('pull') || args.includes('up'))) {
      return {
        summary: `Can't reach the image registry ${registry[1] ?? ''}`.trim(),
        remedy:
          "Check this server's network (DNS, proxy, firewall) to the registry; or load the images (docker load) and pass --offline.",
      };
    }
    const daemon =
      /Cannot connect to the Docker daemon at (\S+?)\.? Is the docker daemon running|error during connect[^\n]*|dial unix ([^:\s]+): connect: (?:no such file or directory|connection refused)/.exec(
        output,
      );
    if (daemon) {
      const where = daemon[1] ?? daemon[2];
      return {
        summary: `Can't reach the Docker daemon${where ? ` at ${where}` : ''}`,
        remedy: `Start it (systemctl start docker) and check DOCKER_HOST, ${AGAIN}`,
      };
    }
    const port =
      /Bind for (\S+?):(\d+) failed: port is already allocated|listen tcp[46]? (\S*?):(\d+): bind: address already in use/.exec(
        output,
      );
    if (port) {
      const n = port[2] ?? port[4];
      const ip = port[1] ?? port[3];
      return {
        summary: `Port ${n}${ip ? ` on ${ip}` : ''} is already in use`,
        remedy: `See what holds it with: ss -ltnp 'sport = :${n}'; stop it or choose another --port, ${AGAIN}`,
      };
    }
  }
  if (file === 'git' && args.includes('clone')) {
    const gone =
      /fatal: (repository '[^']*' does not exist|unable to access '[^']*': [^\n]*|'[^']*' does not appear to be a git repository|Could not read from remote repository)/.exec(
        output,
      );
    if (gone)
      return {
        summary: `The repository does not answer: ${gone[1]}`,
        remedy:
          "Check the URL or path and this server's network, or pass --repo-url with a mirror (a local path works too).",
      };
  }
  return undefined;
}
