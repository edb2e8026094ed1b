import type { CommandRunner, FileStore, HttpClient, Logger } from '../core/context.js';
import { WizardError } from '../core/errors.js';

export const DOCKER_SCRIPT_URL = 'https://get.docker.com';

/**
 * Installs Docker Engine and the Compose plugin with Docker's own convenience script, after the user said
 * yes (never silently): downloads it, keeps it beside the state for inspection, runs it, starts the daemon.
 */
export async function installDocker(
  deps: { http: HttpClient; runner: CommandRunner; files: FileStore; log: Logger },
  opts: { onLine?: (line: string) => void; scriptUrl?: string } = {},
): Promise<void> {
  const url = opts.scriptUrl ?? DOCKER_SCRIPT_URL;
  let script: string;
  try {
    const res = await deps.http.request(url, { timeoutMs: 30_000 });
    if (res.status !== 200 || !res.body.startsWith('#!')) throw new Error(`HTTP ${res.status}`);
    script = res.body;
  } catch (e) {
    throw new WizardError(
      `Can't download Docker's install script from ${url}: ${(e as Error).message}`,
      'Install Docker Engine by hand: https://docs.docker.com/engine/install/, then run the wizard again.',
    );
  }
  const path = '/var/lib/wizard/get-docker.sh';
  await deps.files.write({
    kind: 'file',
    path,
    mode: 0o700,
    content: script,
    description: "Docker's install script",
  });
  deps.log.info(`installing Docker with ${url} (saved as ${deps.files.real(path)})`);
  await deps.runner.run(
    {
      file: 'sh',
      args: [deps.files.real(path)],
      timeoutMs: 15 * 60_000,
      remedy: `Read the script's output above; install by hand if it does not support this system: https://docs.docker.com/engine/install/`,
    },
    { ...(opts.onLine ? { onLine: opts.onLine } : {}) },
  );
  await deps.runner.run({ file: 'systemctl', args: ['enable', '--now', 'docker'], reject: false });
}
