// What the fault-injection files (faults.e2e.test.ts, faults-disk.e2e.test.ts) share: a private copy of the CLI,
// a wizard run that sees its stderr as it comes, the judges (no half-written file, secrets unchanged, none leaked)
// and a Docker socket proxy that injects a fault at the first request of `docker compose up`.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { connect, createServer as createNetServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { parseEnv } from '../../../src/core/envfile.js';
import { platforms } from '../../../steps/index.js';
import { composeIn } from './backup.js';
import { dockerAvailable, ensureStandinImages } from './standins.js';
import { CLI, runWizard } from './wizard.js';

// Other engineers rebuild dist/ while this suite runs (esbuild empties it first): run a private copy,
// with assets/ and package.json beside it as the wizard expects.
export const REPO = join(import.meta.dirname, '../../..');
let cli = CLI;
function privateCli(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wizard-faults-cli-'));
  cpSync(join(REPO, 'dist'), join(dir, 'dist'), { recursive: true });
  symlinkSync(join(REPO, 'assets'), join(dir, 'assets'));
  symlinkSync(join(REPO, 'package.json'), join(dir, 'package.json'));
  return join(dir, 'dist/cli.js');
}

/** Runs the private CLI without a terminal; `onStderr` sees the stderr so far (to inject a fault at a given moment). */
export const wizard = (args: string[], env: Record<string, string>, onStderr?: (soFar: string) => void) =>
  runWizard(args, env, { cli, ...(onStderr ? { onStderr } : {}) });

/** Every file under dir (recursive, relative). */
export const files = (dir: string): string[] =>
  existsSync(dir) ? (readdirSync(dir, { recursive: true }) as string[]) : [];
export const tmpLeft = (dir: string) => files(dir).filter((f) => /\.wizard-(?:\d+\.)?tmp$/.test(f));
export const envValues = (path: string) => parseEnv(readFileSync(path, 'utf8')).values;
export const secretsOf = (platformId: string, envPath: string): Record<string, string> => {
  const keys = platforms.find((p) => p.id === platformId)?.secretKeys ?? [];
  const values = envValues(envPath);
  return Object.fromEntries(keys.filter((k) => values[k]).map((k) => [k, values[k] as string]));
};
/** The env files under dir (.env and .env.bak) all parse, and hold the same secrets. */
export function expectEnvFilesWhole(dir: string, platformId: string, secrets: Record<string, string>) {
  expect(tmpLeft(dir)).toEqual([]);
  for (const f of ['.env', '.env.bak']) {
    if (!existsSync(join(dir, f))) continue;
    const s = secretsOf(platformId, join(dir, f));
    for (const [k, v] of Object.entries(secrets)) if (s[k] !== undefined) expect(s[k], `${f} ${k}`).toBe(v);
  }
}
export const stateOf = (root: string, name: string) =>
  JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8')).installs[name];
export const containersOf = (project: string) =>
  execFileSync('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`], {
    encoding: 'utf8',
  }).trim();
/** Removes the install's containers and volumes (`docker compose down`, with the argv the wizard uses). */
export function down(root: string, name: string) {
  try {
    composeIn(root, name, ['down', '--volumes', '--remove-orphans', '--timeout', '2']);
  } catch {
    // nothing was started
  }
}

export async function waitPortsFree(ports: number[], timeoutMs: number): Promise<void> {
  const free = (port: number) =>
    new Promise<boolean>((res) => {
      const s = createNetServer();
      s.once('error', () => res(false));
      s.listen(port, '0.0.0.0', () => s.close(() => res(true)));
    });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await Promise.all(ports.map(free))).every(Boolean)) return;
    await new Promise((res) => setTimeout(res, 2000));
  }
  throw new Error(
    `Ports ${ports.join(', ')} stayed in use for ${timeoutMs / 1000} s (another Rocket.Chat stack runs).`,
  );
}

/**
 * A Docker API socket in front of the real one. The preflight's requests (`docker version`: /_ping, /version;
 * Compose's /info; the earlier-data check's `docker volume ls`: /volumes) pass; at the first other request (the start of `docker compose up`), before it is forwarded, `onWork`
 * runs: it may inject a fault (take a port), or return 'cut' to take the socket away — to the wizard the
 * daemon is gone, exactly as a stopped dockerd looks to the client. Deterministic: no race with the output.
 */
export async function daemonProxy(
  path: string,
  onWork: () => 'cut' | undefined | Promise<'cut' | undefined>,
): Promise<{ close: () => void; fired: () => boolean }> {
  const target = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
  const open = new Set<Socket>();
  let fired = false;
  let gone = false;
  const close = () => {
    gone = true;
    server.close();
    for (const s of open) s.destroy();
    rmSync(path, { force: true });
  };
  const server: Server = createNetServer((client) => {
    if (gone) return void client.destroy();
    const upstream = connect(target);
    open.add(client).add(upstream);
    client.on('data', async (chunk: Buffer) => {
      const request = /^[A-Z]+ (?:\/v[\d.]+)?(\/[^ ?]*)/.exec(chunk.toString('latin1'));
      // The checks' own reads (the version, the engine's info, the earlier-data check's volume list) come before
      // the run's work.
      if (!fired && request && !['/_ping', '/version', '/info', '/volumes'].includes(request[1] ?? '')) {
        fired = true;
        client.pause();
        if ((await onWork()) === 'cut') return close();
        client.resume();
      }
      if (!gone) upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((res) => server.listen(path, res));
  return { close, fired: () => fired };
}

/** Registers the file's set-up: a Docker engine, the stand-in images and the private CLI (removed after the file). */
export function faultsSetup(): void {
  beforeAll(async () => {
    if (!(await dockerAvailable()))
      throw new Error('No Docker engine answers: the e2e suite needs one (run .ci/setup-docker.sh).');
    await ensureStandinImages();
    cli = privateCli();
  });
  afterAll(() => {
    if (cli !== CLI) rmSync(join(cli, '../..'), { recursive: true, force: true });
  });
}

export async function expectNoSecretLeaks(root: string, name: string, secrets: Record<string, string>) {
  expect(Object.keys(secrets).length).toBeGreaterThan(0);
  const bundle = join(root, `${name}-bundle.tar.gz`);
  const d = await wizard(['doctor', name, '--bundle', bundle], { WIZARD_ROOT: root });
  expect(d.stderr).toContain(`Wrote ${bundle}`);
  const out = join(root, `${name}-bundle`);
  mkdirSync(out);
  execFileSync('tar', ['-xzf', bundle, '-C', out]);
  const sources: [string, string][] = [
    ...files(join(root, 'var/log/wizard')).map((f): [string, string] => [
      `log ${f}`,
      join(root, 'var/log/wizard', f),
    ]),
    ...files(out).map((f): [string, string] => [`bundle ${f}`, join(out, f)]),
  ];
  const texts = sources.flatMap(([label, path]): [string, string][] => {
    try {
      return [[label, readFileSync(path, 'utf8')]];
    } catch {
      return []; // a folder
    }
  });
  expect(texts.some(([l]) => l.startsWith('bundle wizard-logs/'))).toBe(true);
  expect(texts.some(([l]) => l.startsWith('log '))).toBe(true);
  for (const [label, text] of texts)
    for (const [k, v] of Object.entries(secrets)) expect(text.includes(v), `${k} in ${label}`).toBe(false);
}
