import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/core/envfile.js';
import { type E2eInstall, e2eInstall, removeE2eInstall } from './helpers/install.js';
import { freePort, runWizard } from './helpers/wizard.js';

const IMAGE = 'mattermost/mattermost-team-edition';
/** In the feed only: the wizard ships 10.11.23 and 11.7.15. */
const FEED_ONLY = '11.7.16';
const FEEDS = join(import.meta.dirname, '../unit/feeds');

/** Docker Hub's tag API on 127.0.0.1, answering from the recorded pages (11.7.16, 10.11.24, 12.0.0, rc, latest...). */
async function dockerHub(): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${url.pathname}${url.search}`);
    if (url.pathname !== `/v2/repositories/${IMAGE}/tags`) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"message":"object not found","errinfo":{}}');
      return;
    }
    const page = Number(url.searchParams.get('page') ?? '1');
    if (page < 1 || page > 3) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"message":"httperror 404: object not found","errinfo":{}}');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(readFileSync(join(FEEDS, `dockerhub-mattermost-team-edition-page${page}.json`)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Release feeds on the real engine: a Mattermost 10.11.23 install, a local Docker Hub offering 11.7.16 (which the
 * wizard does not ship): --check offers it from the live feed, then from the cache with the feed down, and an
 * --offline upgrade (no request at all) moves to it on a stand-in image that answers as 11.7.16.
 */
describe('wizard upgrade with a release feed, end to end', () => {
  let install: E2eInstall | undefined;
  let root = '';
  let port = 0;
  let env: Record<string, string> = {};
  const dataDir = () => join(root, 'opt/mattermost');
  const state = () =>
    JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8')).installs.mattermost;
  const ping = async () => {
    const r = await fetch(`http://127.0.0.1:${port}/api/v4/system/ping`);
    return /^(\d+\.\d+\.\d+)/.exec(r.headers.get('x-version-id') ?? '')?.[1];
  };

  beforeAll(async () => {
    install = await e2eInstall({
      prefix: 'wizard-upgrade-feed-',
      platform: 'mattermost',
      version: '10.11.23',
      env: { WIZARD_READY_TIMEOUT: '30', WIZARD_UPDATE_URL: 'off' },
      installEnv: { WIZARD_READY_TIMEOUT: '60' },
    });
    ({ root, port, env } = install);
    // The feed-only release: the 11.7.15 stand-in, answering as 11.7.16 (its version is MM_STANDIN_VERSION).
    execFileSync('docker', ['build', '--quiet', '--tag', `${IMAGE}:${FEED_ONLY}`, '-'], {
      input: `FROM ${IMAGE}:11.7.15\nENV MM_STANDIN_VERSION=${FEED_ONLY}\n`,
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
  }, 120_000);

  afterAll(() => {
    removeE2eInstall(install);
    try {
      // Only the tag this test made (its layers are the 11.7.15 stand-in's).
      execFileSync('docker', ['image', 'rm', `${IMAGE}:${FEED_ONLY}`], { stdio: 'ignore' });
    } catch {
      // not made (the build before failed)
    }
  });

  it('--check --json offers the feed-only release, names the feed, reports 12.0.0 as unknown, exits 10', async () => {
    const hub = await dockerHub();
    try {
      const r = await runWizard(['upgrade', '--check', '--json'], { ...env, WIZARD_FEED_URL: hub.url });
      expect(r.code, r.stderr).toBe(10);
      expect(JSON.parse(r.stdout)).toMatchObject({
        current: '10.11.23',
        next: FEED_ONLY,
        newest: FEED_ONLY,
        path: [FEED_ONLY],
        upgradeAvailable: true,
        releaseList: 'hub.docker.com (fetched now)',
        releaseSource: { kind: 'feed', feed: 'hub.docker.com' },
        newerThanWizardKnows: ['12.0.0'],
      });
      expect(hub.requests.sort()).toEqual([
        `/v2/repositories/${IMAGE}/tags?page_size=100`,
        `/v2/repositories/${IMAGE}/tags?page_size=100&page=2`,
        `/v2/repositories/${IMAGE}/tags?page_size=100&page=3`,
      ]);
    } finally {
      await hub.close();
    }
    const cache = JSON.parse(readFileSync(join(root, 'var/lib/wizard/releases/mattermost.json'), 'utf8'));
    expect(cache).toMatchObject({ platform: 'mattermost', feed: 'hub.docker.com' });
    expect(cache.versions).toContain(FEED_ONLY);
  });

  it('with the feed down, the cached list is used and the text says so', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const r = await runWizard(['upgrade', '--check'], { ...env, WIZARD_FEED_URL: down });
    expect(r.code, r.stderr).toBe(10);
    expect(r.stdout).toContain(`Mattermost 10.11.23 → ${FEED_ONLY} can be installed (newest: ${FEED_ONLY}).`);
    expect(r.stdout).toMatch(
      /^Release list: hub\.docker\.com as fetched at \S+ \(hub\.docker\.com: connection refused\)$/m,
    );
    expect(r.stdout).toContain(
      'Newer than this wizard knows: 12.0.0; run `wizard self-update` to be offered them.',
    );
  });

  it(`upgrade --offline --yes --to ${FEED_ONLY}: no feed request, the cached release's data, the new version answers`, async () => {
    const hub = await dockerHub();
    try {
      const r = await runWizard(['upgrade', '--offline', '--yes', '--to', FEED_ONLY], {
        ...env,
        WIZARD_FEED_URL: hub.url,
      });
      expect(r.stderr).not.toContain('✖');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`10.11.23 → ${FEED_ONLY}`);
      expect(r.stderr).toMatch(/Release list: hub\.docker\.com as fetched at \S+ \(--offline\)/);
      expect(r.stdout).toMatch(
        new RegExp(
          `✔ Mattermost upgraded: 10\\.11\\.23 → ${FEED_ONLY.replaceAll('.', '\\.')} \\(backup: .*\\.tar\\)`,
        ),
      );
      expect(hub.requests).toEqual([]);
    } finally {
      await hub.close();
    }
    expect(await ping()).toBe(FEED_ONLY);
    expect(parseEnv(readFileSync(join(dataDir(), '.env'), 'utf8')).values.MATTERMOST_IMAGE_TAG).toBe(
      FEED_ONLY,
    );
    expect(state()).toMatchObject({
      release: FEED_ONLY,
      history: [{ from: '10.11.23', to: FEED_ONLY, result: 'upgraded' }],
    });
  });
});
