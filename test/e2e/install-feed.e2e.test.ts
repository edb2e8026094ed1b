import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/core/envfile.js';
import { tmpRoot } from '../helpers/tmp.js';
import { installArgs } from './helpers/install.js';
import { dockerAvailable, ensureStandinImages, makeFixtureRepo } from './helpers/standins.js';
import { freePort, runWizard } from './helpers/wizard.js';

const IMAGE = 'registry.rocket.chat/rocketchat/rocket.chat';
/** In the feed only: the wizard ships 8.0.1, 8.0.0 and 7.13.0. */
const FEED_ONLY = '8.0.2';

/** Docker Hub's tag API for rocketchat/rocket.chat on 127.0.0.1: 8.0.2 (series 8, known), 9.0.0 (unknown), rc tags. */
async function dockerHub(opts: { hang?: boolean } = {}) {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (opts.hang) return; // accepts, never answers
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/v2/repositories/rocketchat/rocket.chat/tags') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"object not found"}');
      return;
    }
    const names = ['9.0.0', '9.0.0-rc.1', FEED_ONLY, '8.0.1', '8.0.0', 'latest', '7.13.0', '7.13.0-amd64'];
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ count: names.length, next: null, results: names.map((name) => ({ name })) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * `wizard install` offers the same release list as `wizard upgrade`: with a local Docker Hub listing 8.0.2 (which
 * the wizard does not ship, of a series it knows) `--version 8.0.2` installs it, saying it is untested, on a
 * stand-in answering as 8.0.2; a version in neither list is refused with the releases that exist (exit 2); a feed
 * that does not answer within its bound falls back to the last good fetch and says so.
 */
describe('install --version with a release from the feed', () => {
  let root = '';
  let repo = '';
  let port = 0;
  let hub: Awaited<ReturnType<typeof dockerHub>> | undefined;
  const dataDir = () => join(root, 'opt/rocketchat');
  /** Without --offline the feed is read (--offline never touches the network: the last fetch is used). */
  const args = (version: string, ...more: string[]) =>
    installArgs({ platform: 'rocketchat', version, repo, port, offline: false, args: more });

  beforeAll(async () => {
    if (!(await dockerAvailable()))
      throw new Error('No Docker engine answers: the e2e suite needs one (run .ci/setup-docker.sh).');
    await ensureStandinImages();
    root = tmpRoot('wizard-install-feed-');
    repo = await makeFixtureRepo(root, 'rocketchat-compose');
    port = await freePort();
    hub = await dockerHub();
    // The feed-only release: the 8.0.1 stand-in, answering as 8.0.2 (its version is RC_STANDIN_VERSION).
    execFileSync('docker', ['build', '--quiet', '--tag', `${IMAGE}:${FEED_ONLY}`, '-'], {
      input: `FROM ${IMAGE}:8.0.1\nENV RC_STANDIN_VERSION=${FEED_ONLY}\n`,
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
  }, 120_000);

  afterAll(async () => {
    await hub?.close();
    try {
      execFileSync('docker', ['compose', 'down', '--volumes', '--timeout', '2'], {
        cwd: dataDir(),
        stdio: 'ignore',
      });
    } catch {
      // nothing started
    }
    execFileSync('docker', ['rmi', `${IMAGE}:${FEED_ONLY}`], { stdio: 'ignore' });
  });

  it('refuses a version in neither list, naming the releases that exist (exit 2), and changes nothing', async () => {
    const r = await runWizard(args('8.7.3'), { WIZARD_ROOT: root, WIZARD_FEED_URL: hub?.url ?? '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'Rocket.Chat 8.7.3 is not a release this wizard knows (its release list: hub.docker.com (fetched now)).',
    );
    expect(r.stderr).toContain('Releases: 8.0.2, 8.0.1, 8.0.0, 7.13.0.');
    expect(r.stderr).toContain('Newer than this wizard knows (their needs are unknown): 9.0.0');
    expect(hub?.requests[0]).toBe('/v2/repositories/rocketchat/rocket.chat/tags?page_size=100');
  });

  /** Text with its line breaks and indentation as single spaces. */
  const flat = (t: string) => t.replace(/\s+/g, ' ');

  it('takes a newer release of a series it knows from the feed, saying it is untested', async () => {
    const r = await runWizard(args(FEED_ONLY, '--dry-run'), {
      WIZARD_ROOT: root,
      WIZARD_FEED_URL: hub?.url ?? '',
    });
    expect(r.code).toBe(0);
    // The review wraps its notes at the terminal's width (80 for a pipe).
    expect(flat(r.stderr)).toContain(
      `Rocket.Chat ${FEED_ONLY} is not one this wizard was tested with (its release list: hub.docker.com (fetched now)); it installs with what its series needs, as 8.0.1 does.`,
    );
    expect(r.stderr).toContain(`Platform        Rocket.Chat ${FEED_ONLY}`);
  });

  it('installs it with --offline from the last fetch (no request), on a stand-in answering as 8.0.2', async () => {
    const before = hub?.requests.length;
    const r = await runWizard(args(FEED_ONLY, '--offline'), {
      WIZARD_ROOT: root,
      WIZARD_FEED_URL: hub?.url ?? '',
    });
    expect(flat(r.stderr)).toMatch(
      new RegExp(
        `Rocket\\.Chat ${FEED_ONLY.replaceAll('.', '\\.')} is not one this wizard was tested with \\(its release list: hub\\.docker\\.com as fetched at \\S+ \\(--offline\\)\\)`,
      ),
    );
    expect(r.code).toBe(0);
    expect(hub?.requests.length).toBe(before);
    expect(r.stdout).toContain(`✔ Rocket.Chat ${FEED_ONLY} is running.`);
    expect(parseEnv(readFileSync(join(dataDir(), '.env'), 'utf8')).values).toMatchObject({
      RELEASE: FEED_ONLY,
      MONGODB_VERSION: '8.2',
    });
    expect(await (await fetch(`http://127.0.0.1:${port}/api/info`)).json()).toEqual({
      version: FEED_ONLY,
      success: true,
    });
  });

  it('a feed that does not answer within its bound: the last good fetch, and it says so', async () => {
    const silent = await dockerHub({ hang: true });
    try {
      const r = await runWizard(args(FEED_ONLY, '--dry-run'), {
        WIZARD_ROOT: root,
        WIZARD_FEED_URL: silent.url,
      });
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(
        /Release list: hub\.docker\.com as fetched at \S+ \(hub\.docker\.com: timed out after 4 s\)/,
      );
      expect(silent.requests).toHaveLength(1);
    } finally {
      await silent.close();
    }
  });
});
