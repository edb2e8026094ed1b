import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bareBin,
  makeNodeDist,
  pipeToBash,
  type Release,
  releaseBuilder,
  serve,
} from './helpers/release-server.js';

/**
 * `wizard self-update` on a wizard installed by install.sh: the release channel (a local HTTP server
 * standing in for the published folder) offers a newer release; the wizard finds it and replaces itself.
 */
describe('wizard self-update', () => {
  let work = '';
  let url = '';
  let server: Server | undefined;
  let v1: Release;
  let v2: Release;
  let root = '';
  let bare = '';

  // Asynchronous: the release server runs in this process and must answer while the wizard waits.
  const run = (args: string[], env: Record<string, string>) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(join(root, 'usr/local/bin/wizard'), args, {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  const wizard = (args: string[], channel: string) =>
    run(args, {
      PATH: bare,
      HOME: work,
      TMPDIR: join(work, 'tmp'),
      NO_COLOR: '1',
      WIZARD_ROOT: root,
      WIZARD_UPDATE_URL: `${url}/${channel}`,
      WIZARD_RELEASE_URL: `${url}/${channel}`,
      WIZARD_NODE_DIST_URL: `${url}/node`,
    });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'wizard-self-update-'));
    mkdirSync(join(work, 'tmp'));
    const build = await releaseBuilder();
    v1 = build({ outDir: join(work, 'www/v1') });
    const [maj, min, patch] = v1.version.split(/[.-]/).map(Number);
    v2 = build({ outDir: join(work, 'www/v2'), version: `${maj}.${min}.${(patch ?? 0) + 1}` });
    makeNodeDist(join(work, 'www/node'));
    ({ url, server } = await serve(join(work, 'www')));
    bare = bareBin(join(work, 'bare'), ['node', 'nodejs', 'npm', 'npx', 'corepack', 'sudo']);
    root = mkdtempSync(join(work, 'root-'));
    const env = {
      PATH: bare,
      HOME: work,
      TMPDIR: join(work, 'tmp'),
      NO_COLOR: '1',
      WIZARD_ROOT: root,
      WIZARD_RELEASE_URL: `${url}/v1`,
      WIZARD_NODE_DIST_URL: `${url}/node`,
    };
    const installed = await pipeToBash(readFileSync(v1.installSh), [], env);
    if (installed.code !== 0) throw new Error(`install.sh failed: ${installed.stderr}`);
  }, 180_000);

  afterAll(() => {
    server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('--check says it is up to date when the channel has the same release (exit 0)', async () => {
    const r = await wizard(['self-update', '--check'], 'v1');
    expect(r.stdout).toBe(`The wizard ${v1.version} is up to date.\n`);
    expect(r.status).toBe(0);
  });

  it('--check finds a newer release (exit 10, JSON on request)', async () => {
    const r = await wizard(['self-update', '--check', '--json'], 'v2');
    expect(r.status).toBe(10);
    expect(JSON.parse(r.stdout)).toMatchObject({
      current: v1.version,
      latest: v2.version,
      updateAvailable: true,
    });
  });

  it('replaces itself with the newer release through its install.sh', async () => {
    const r = await wizard(['self-update'], 'v2');
    expect(r.stderr).toContain(`Updating the wizard ${v1.version} → ${v2.version}`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`✔ Updated the wizard ${v1.version} → ${v2.version}.`);
    expect(readlinkSync(join(root, 'opt/wizard/current'))).toBe(`releases/${v2.version}`);
    expect((await wizard(['--version'], 'v2')).stdout).toBe(`${v2.version}\n`);
  });

  it('says so when the channel does not answer', async () => {
    const r = await run(['self-update', '--check'], {
      PATH: bare,
      NO_COLOR: '1',
      WIZARD_ROOT: root,
      WIZARD_UPDATE_URL: 'http://127.0.0.1:9/none',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Can't read the newest release from http://127.0.0.1:9/none");
  });
});
