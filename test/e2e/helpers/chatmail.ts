// What the chatmail e2e tests share: the relay's fixed container name and host ports. Upstream names the container
// `chatmail` and serves 25, 53, 80, 143, 443, 465, 587 and 993 on the host; the stand-in serves them on free high
// ports given by STANDIN_PORTS (see chatmail.e2e.test.ts), while the wizard's preflight still checks the real ones.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { freePort } from './wizard.js';

export const RELAY_PORTS = [25, 53, 80, 143, 443, 465, 587, 993];

/** Like the wizard's own probe: can 0.0.0.0:PORT be bound right now? */
export function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EADDRINUSE'));
    s.listen({ port, host: '0.0.0.0', exclusive: true }, () => s.close(() => resolve(false)));
  });
}

/** The relay's ports that something on this host holds now (the preflight will name them). */
export async function heldRelayPorts(): Promise<number[]> {
  return (await Promise.all(RELAY_PORTS.map(async (p) => ((await portTaken(p)) ? p : 0)))).filter(Boolean);
}

/** A free high port for each of the relay's ports. */
export async function standinPorts(): Promise<Map<number, number>> {
  const ports = new Map<number, number>();
  for (const p of RELAY_PORTS) ports.set(p, await freePort());
  return ports;
}

export const standinPortsEnv = (ports: Map<number, number>) =>
  [...ports].map(([from, to]) => `${from}=${to}`).join(',');

/**
 * The container name is upstream's and fixed: removes a leftover of an interrupted test run (its project lives in a
 * temp folder), and refuses to touch a relay run from anywhere else.
 */
export function clearChatmailLeftover(): void {
  const leftover = execFileSync(
    'docker',
    [
      'ps',
      '-a',
      '--filter',
      'name=^chatmail$',
      '--format',
      '{{.Label "com.docker.compose.project.working_dir"}}',
    ],
    { encoding: 'utf8' },
  ).trim();
  if (leftover.startsWith(tmpdir()))
    execFileSync('docker', ['rm', '-f', '-v', 'chatmail'], { stdio: 'ignore' });
  else if (leftover)
    throw new Error(
      `A container named chatmail runs from ${leftover}: this test needs the name (upstream fixes it).`,
    );
}
