import { spawn } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bareBin,
  pipeToBash,
  type Release,
  releaseKit,
  serve,
  throwawayKey,
} from './helpers/release-server.js';

/**
 * `wizard self-update` on a wizard installed by install.sh: the release channel (a local HTTP server
 * standing in for the published folder) offers a newer release signed with a throwaway key; the wizard
 * checks install.sh's signature, then replaces itself. The installed wizard pins the real release key, so
 * the test switch and WIZARD_RELEASE_PUBKEY (honoured only together) name the throwaway one.
 */
describe('wizard self-update', () => {
  let work = '';
  let url = '';
  let requests: string[] = [];
  let publicKey = '';
  let marker = '';
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
  const wizard = (args: string[], channel: string, extra: Record<string, string | undefined> = {}) =>
    run(
      args,
      Object.fromEntries(
        Object.entries({
          PATH: bare,
          HOME: work,
          TMPDIR: join(work, 'tmp'),
          NO_COLOR: '1',
          WIZARD_ROOT: root,
          WIZARD_UPDATE_URL: `${url}/${channel}`,
          WIZARD_RELEASE_URL: `${url}/${channel}`,
          WIZARD_NODE_DIST_URL: `${url}/node`,
          WIZARD_UNSAFE_TEST_RELEASES: '1',
          WIZARD_RELEASE_PUBKEY: publicKey,
          ...extra,
        }).filter((e): e is [string, string] => e[1] !== undefined),
      ),
    );
  const current = () => readlinkSync(join(root, 'opt/wizard/current'));

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'wizard-self-update-'));
    mkdirSync(join(work, 'tmp'));
    const kit = await releaseKit(work);
    publicKey = kit.key.publicKey;
    v1 = kit.build({ outDir: join(work, 'www/v1') });
    const [maj, min, patch] = v1.version.split(/[.-]/).map(Number);
    v2 = kit.build({ outDir: join(work, 'www/v2'), version: `${maj}.${min}.${(patch ?? 0) + 1}` });
    // The v2 channel with its install.sh unsigned, changed after signing (it would leave a marker if run),
    // or signed by another key.
    marker = join(work, 'tampered-install-sh-ran');
    const variant = (name: string, change: (dir: string) => void) => {
      cpSync(join(work, 'www/v2'), join(work, `www/${name}`), { recursive: true });
      change(join(work, `www/${name}`));
    };
    variant('unsigned', (d) => rmSync(join(d, 'install.sh.sig')));
    variant('tampered', (d) => {
      const text = readFileSync(join(d, 'install.sh'), 'utf8');
      writeFileSync(join(d, 'install.sh'), text.replace('\n', `\ntouch '${marker}'\n`));
    });
    const other = throwawayKey(join(work, 'keys'), 'other');
    variant('otherkey', (d) =>
      writeFileSync(
        join(d, 'install.sh.sig'),
        sign(null, readFileSync(join(d, 'install.sh')), createPrivateKey(readFileSync(other.file))),
      ),
    );
    ({ url, requests, server } = await serve(join(work, 'www')));
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
      WIZARD_UNSAFE_TEST_RELEASES: '1',
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

  it('refuses an install.sh that is unsigned, changed after signing, or signed by another key (exit 5)', async () => {
    const cases: Record<string, string> = {
      unsigned: `✖ ${url}/unsigned/install.sh is not signed (install.sh.sig: HTTP 404); it was not run, and nothing was changed.`,
      tampered: `✖ ${url}/tampered/install.sh does not match its signature by the release key`,
      otherkey: `✖ ${url}/otherkey/install.sh does not match its signature by the release key`,
    };
    for (const [channel, message] of Object.entries(cases)) {
      for (const args of [['self-update'], ['self-update', '--check']]) {
        const before = requests.length;
        const r = await wizard(args, channel);
        expect(r.stderr, channel).toContain(message);
        expect(r.stderr).toContain('Do not run it.');
        expect(r.status, channel).toBe(5);
        expect(r.stdout).toBe('');
        // Nothing past the script and its signature was fetched, nothing ran, nothing changed.
        expect(requests.slice(before)).toEqual([`/${channel}/install.sh`, `/${channel}/install.sh.sig`]);
        expect(existsSync(marker)).toBe(false);
        expect(current()).toBe(`releases/${v1.version}`);
      }
    }
  });

  it('downloads over https only, and takes a release key of its own only with the test switch (exit 2)', async () => {
    const before = requests.length;
    const http = await wizard(['self-update'], 'v2', {
      WIZARD_UNSAFE_TEST_RELEASES: undefined,
      WIZARD_RELEASE_PUBKEY: undefined,
    });
    expect(http.status).toBe(2);
    expect(http.stderr).toContain(
      `✖ WIZARD_UPDATE_URL is ${url}/v2; releases are downloaded over https only.`,
    );
    const key = await wizard(['self-update'], 'v2', { WIZARD_UNSAFE_TEST_RELEASES: undefined });
    expect(key.status).toBe(2);
    expect(key.stderr).toContain(
      'WIZARD_RELEASE_PUBKEY is set, and a release key of your own is honoured only in tests (WIZARD_UNSAFE_TEST_RELEASES=1).',
    );
    // With the test switch but the pinned key, the throwaway-signed release is not the wizard's.
    const pinned = await wizard(['self-update'], 'v2', { WIZARD_RELEASE_PUBKEY: undefined });
    expect(pinned.status).toBe(5);
    expect(pinned.stderr).toContain(`✖ ${url}/v2/install.sh does not match its signature by the release key`);
    expect(requests.slice(before)).toEqual(['/v2/install.sh', '/v2/install.sh.sig']);
    expect(current()).toBe(`releases/${v1.version}`);
  });

  it('replaces itself with the newer release through its signed install.sh', async () => {
    const r = await wizard(['self-update'], 'v2');
    expect(r.stderr).toContain(`Updating the wizard ${v1.version} → ${v2.version}`);
    expect(r.stderr).toContain('(signature checked: release key');
    expect(r.stderr).toContain(`Checked the signature of wizard-${v2.version}.tar.gz`);
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
      WIZARD_UNSAFE_TEST_RELEASES: '1',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Can't read the newest release from http://127.0.0.1:9/none");
  });
});
