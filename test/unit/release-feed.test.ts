import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HttpClient } from '../../src/core/context.js';
import { CancelledError } from '../../src/core/errors.js';
import type { Platform, Release } from '../../src/core/platform.js';
import {
  bearerChallenge,
  describeSource,
  linkRel,
  mergeReleases,
  parseDockerHubTags,
  parseGitHubReleases,
  parseOciTags,
  plainVersion,
  type ReleaseFeed,
} from '../../src/core/release-feed.js';
import { nextAndNewest, upgradePath } from '../../src/core/upgrade.js';
import { cachePath, feedOrigin, fetchFeed, loadReleases } from '../../src/system/release-feed.js';
import chatmail from '../../steps/chatmail/index.js';
import mastodon from '../../steps/mastodon/index.js';
import mattermost from '../../steps/mattermost/index.js';
import rocketchat from '../../steps/rocketchat/index.js';
import { tmpRoot } from '../helpers/tmp.js';

const recorded = (name: string) => readFileSync(join(import.meta.dirname, 'feeds', name), 'utf8');
const feedOf = (p: Platform) => p.upgrade?.feed as ReleaseFeed;

type Answer =
  | { status: number; body: string; headers?: Record<string, string> }
  | ((signal?: AbortSignal) => Promise<{ status: number; body: string; headers?: Record<string, string> }>);

/** Answers from a table of recorded responses keyed by URL; throws on a URL it does not know. */
function fakeHttp(table: Record<string, Answer>) {
  const calls: { url: string; headers: Record<string, string> }[] = [];
  const http: HttpClient = {
    async request(url, opts = {}) {
      calls.push({ url, headers: opts.headers ?? {} });
      const a = table[url];
      if (!a) throw new Error(`fake http: no answer for ${url}`);
      return typeof a === 'function' ? a(opts.signal) : a;
    },
  };
  return { http, calls };
}

const HUB = 'https://hub.docker.com/v2/repositories/mattermost/mattermost-team-edition/tags?page_size=100';
const GH = 'https://api.github.com/repos/mastodon/mastodon/releases?per_page=100';
const GHCR = 'https://ghcr.io/v2/chatmail/docker/tags/list?n=1000';
const hubTable = {
  [HUB]: { status: 200, body: recorded('dockerhub-mattermost-team-edition-page1.json') },
  [`${HUB}&page=2`]: { status: 200, body: recorded('dockerhub-mattermost-team-edition-page2.json') },
  [`${HUB}&page=3`]: { status: 200, body: recorded('dockerhub-mattermost-team-edition-page3.json') },
};

describe('plain release versions only', () => {
  it.each([
    ['4.5.12', '4.5.12'],
    ['v4.5.12', '4.5.12'],
    ['11.7.16', '11.7.16'],
    ['latest', undefined],
    ['main', undefined],
    ['4.6.0-rc.1', undefined],
    ['11.8.0-rc2', undefined],
    ['11.7.16-amd64', undefined],
    ['11.7', undefined],
    ['release-11.7', undefined],
    ['sha-3f2a1b9', undefined],
    ['01.2.3', undefined],
    [42, undefined],
  ])('%s → %s', (tag, version) => {
    expect(plainVersion(tag)).toBe(version);
  });
});

describe('parsers of the recorded API answers', () => {
  it('Docker Hub: a page of tags, its count and next page; junk, rc and arch-suffixed tags left out', () => {
    const page = parseDockerHubTags(recorded('dockerhub-mattermost-team-edition-page1.json'));
    expect(page).toEqual({
      versions: ['11.7.16', '12.0.0', '10.11.24', '11.7.15'],
      count: 230,
      next: 'https://hub.docker.com/v2/repositories/mattermost/mattermost-team-edition/tags?page=2&page_size=100',
    });
    expect(parseDockerHubTags(recorded('dockerhub-mattermost-team-edition-page3.json'))).toEqual({
      versions: ['10.11.22', '10.5.12', '10.5.11', '9.11.18'],
      count: 230,
    });
  });

  it('GitHub releases: drafts and prereleases skipped, v taken off', () => {
    expect(parseGitHubReleases(recorded('github-mastodon-releases-page1.json'))).toEqual([
      '4.6.0',
      '4.5.12',
      '4.4.9',
      '4.3.18',
      '4.5.11',
    ]);
  });

  it('OCI tag list: plain versions only', () => {
    expect(parseOciTags(recorded('ghcr-chatmail-docker-tags.json'))).toEqual([
      '1.10.0',
      '1.11.0',
      '1.12.0',
      '1.12.1',
      '1.13.0',
      '2.0.0',
    ]);
    expect(parseOciTags('{"name":"chatmail/docker","tags":null}')).toEqual([]);
  });

  it('an answer that is not the API says so', () => {
    expect(() => parseDockerHubTags('<html>rate limited</html>')).toThrow(
      'not a Docker Hub tag list (no JSON)',
    );
    expect(() => parseDockerHubTags('{"message":"object not found"}')).toThrow('not a Docker Hub tag list');
    expect(() => parseGitHubReleases('{"message":"API rate limit exceeded"}')).toThrow(
      'not a GitHub release list',
    );
    expect(() => parseOciTags('{"errors":[{"code":"UNAUTHORIZED"}]}')).toThrow('not an OCI tag list');
  });

  it('Link headers and Bearer challenges', () => {
    const link =
      '<https://api.github.com/repositories/1/releases?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/releases?per_page=100&page=5>; rel="last"';
    expect(linkRel(link, 'next')).toBe('https://api.github.com/repositories/1/releases?per_page=100&page=2');
    expect(linkRel(link, 'last')).toBe('https://api.github.com/repositories/1/releases?per_page=100&page=5');
    expect(linkRel(undefined, 'next')).toBeUndefined();
    expect(
      bearerChallenge(
        'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:chatmail/docker:pull"',
      ),
    ).toEqual({
      realm: 'https://ghcr.io/token',
      service: 'ghcr.io',
      scope: 'repository:chatmail/docker:pull',
    });
    expect(bearerChallenge('Basic realm="x"')).toBeUndefined();
  });
});

describe('fetching a feed', () => {
  it('Docker Hub: the pages the count names, read together after the first', async () => {
    const { http, calls } = fakeHttp(hubTable);
    const versions = await fetchFeed(
      { kind: 'docker-hub', repository: 'mattermost/mattermost-team-edition' },
      { http },
    );
    expect(calls.map((c) => c.url)).toEqual([HUB, `${HUB}&page=2`, `${HUB}&page=3`]);
    expect(versions).toEqual([
      '11.7.16',
      '12.0.0',
      '10.11.24',
      '11.7.15',
      '11.7.14',
      '10.11.23',
      '11.6.4',
      '11.6.3',
      '11.5.2',
      '11.4.5',
      '10.11.22',
      '10.5.12',
      '10.5.11',
      '9.11.18',
    ]);
  });

  it('Docker Hub: a huge repository is read a few pages deep only', async () => {
    const page = JSON.stringify({ count: 5000, next: `${HUB}&page=2`, results: [{ name: '1.0.0' }] });
    const table = Object.fromEntries(
      [HUB, ...[2, 3, 4, 5, 6].map((n) => `${HUB}&page=${n}`)].map((u) => [u, { status: 200, body: page }]),
    );
    const { http, calls } = fakeHttp(table);
    await fetchFeed({ kind: 'docker-hub', repository: 'mattermost/mattermost-team-edition' }, { http });
    expect(calls).toHaveLength(4);
  });

  it('GitHub: pages up to the last one the Link header names, with the API headers', async () => {
    const { http, calls } = fakeHttp({
      [GH]: {
        status: 200,
        body: recorded('github-mastodon-releases-page1.json'),
        headers: { link: `<${GH}&page=2>; rel="next", <${GH}&page=2>; rel="last"` },
      },
      [`${GH}&page=2`]: { status: 200, body: recorded('github-mastodon-releases-page2.json') },
    });
    expect(await fetchFeed({ kind: 'github-releases', repository: 'mastodon/mastodon' }, { http })).toEqual([
      '4.6.0',
      '4.5.12',
      '4.4.9',
      '4.3.18',
      '4.5.11',
      '4.2.20',
      '4.3.17',
    ]);
    expect(calls[0]?.headers).toMatchObject({
      accept: 'application/vnd.github+json',
      'user-agent': 'wizard',
    });
  });

  it('ghcr.io: an anonymous pull token from the realm the 401 names, then the tag list', async () => {
    const challenge =
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:chatmail/docker:pull"';
    const token = JSON.parse(recorded('ghcr-token.json')).token as string;
    const { http, calls } = fakeHttp({
      [GHCR]: async () =>
        calls.length > 1
          ? { status: 200, body: recorded('ghcr-chatmail-docker-tags.json') }
          : {
              status: 401,
              body: '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
              headers: { 'www-authenticate': challenge },
            },
      'https://ghcr.io/token?scope=repository%3Achatmail%2Fdocker%3Apull&service=ghcr.io': {
        status: 200,
        body: recorded('ghcr-token.json'),
      },
    });
    expect(
      await fetchFeed({ kind: 'oci', registry: 'ghcr.io', repository: 'chatmail/docker' }, { http }),
    ).toEqual(['1.10.0', '1.11.0', '1.12.0', '1.12.1', '1.13.0', '2.0.0']);
    expect(calls[2]?.headers).toEqual({ authorization: `Bearer ${token}` });
  });

  it('WIZARD_FEED_URL sends every request to another origin, path kept', async () => {
    const o = feedOrigin({ WIZARD_FEED_URL: 'http://127.0.0.1:8080' });
    expect(o.off).toBe(false);
    if (!o.off)
      expect(o.rewrite(HUB)).toBe(
        'http://127.0.0.1:8080/v2/repositories/mattermost/mattermost-team-edition/tags?page_size=100',
      );
    expect(feedOrigin({ WIZARD_FEED_URL: 'off' })).toEqual({ off: true });
    expect(() => feedOrigin({ WIZARD_FEED_URL: 'not a url' })).toThrow(
      'WIZARD_FEED_URL="not a url" is not a URL (use http://HOST:PORT, or off)',
    );
  });

  it('a feed that does not answer in time is given up, naming the bound', async () => {
    const hang = (signal?: AbortSignal) =>
      new Promise<never>((_, reject) =>
        signal?.addEventListener('abort', () => reject(new Error('timed out'))),
      );
    const { http } = fakeHttp({ [HUB]: hang });
    await expect(
      fetchFeed(
        { kind: 'docker-hub', repository: 'mattermost/mattermost-team-edition' },
        { http, timeoutMs: 50 },
      ),
    ).rejects.toThrow('timed out after 50 ms');
  });

  it('an HTTP error names the status', async () => {
    const { http } = fakeHttp({
      [GH]: { status: 403, body: '{"message":"API rate limit exceeded for 203.0.113.9."}' },
    });
    await expect(
      fetchFeed({ kind: 'github-releases', repository: 'mastodon/mastodon' }, { http }),
    ).rejects.toThrow('HTTP 403 from /repos/mastodon/mastodon/releases');
  });
});

describe('merging a feed into the shipped list, per platform', () => {
  it('Mattermost: patch releases of the shipped ESR series, with their esr and postgres; a new series is reported, not offered', () => {
    const fetched = parseDockerHubTags(recorded('dockerhub-mattermost-team-edition-page1.json')).versions;
    const { releases, unknownNewer } = mergeReleases(
      mattermost.releases,
      [...fetched, '11.6.4', '11.8.0'],
      feedOf(mattermost),
    );
    expect(releases.map((r) => r.version)).toEqual(['11.7.16', '11.7.15', '10.11.24', '10.11.23']);
    expect(releases[0]).toEqual({
      version: '11.7.16',
      esr: '11.7',
      supportedUntil: '2027-05-15',
      postgres: '16-alpine',
    });
    expect(releases[2]).toEqual({
      version: '10.11.24',
      esr: '10.11',
      supportedUntil: '2026-08-15',
      postgres: '16-alpine',
    });
    expect(unknownNewer).toEqual(['11.8.0', '12.0.0']);
    expect(nextAndNewest(mattermost.upgrade?.rule ?? { kind: 'any-newer' }, '10.11.23', releases)).toEqual({
      next: '11.7.16',
      newest: '11.7.16',
    });
    // One stop per ESR series, at its newest patch.
    expect(upgradePath({ kind: 'release-by-release' }, '10.11.23', '11.7.16', releases)).toEqual({
      ok: true,
      steps: ['11.7.16'],
    });
    expect(upgradePath({ kind: 'release-by-release' }, '10.11.23', '10.11.24', releases)).toEqual({
      ok: true,
      steps: ['10.11.24'],
    });
    expect(upgradePath({ kind: 'release-by-release' }, '10.11.23', '12.0.0', releases)).toMatchObject({
      ok: false,
      reason: '12.0.0 is not a known release.',
    });
  });

  it('Mastodon: patch releases of known minors with their postgres and redis; 4.6.0 is newer than the wizard knows', () => {
    const { releases, unknownNewer } = mergeReleases(
      mastodon.releases,
      parseGitHubReleases(recorded('github-mastodon-releases-page1.json')),
      feedOf(mastodon),
    );
    expect(releases.map((r) => r.version)).toEqual([
      '4.5.12',
      '4.5.11',
      '4.5.9',
      '4.4.9',
      '4.4.8',
      '4.3.18',
      '4.3.17',
    ]);
    expect(releases[0]).toEqual({ version: '4.5.12', postgres: '14-alpine', redis: '7-alpine' });
    expect(unknownNewer).toEqual(['4.6.0']);
    expect(upgradePath({ kind: 'minor-by-minor' }, '4.3.17', '4.5.12', releases)).toEqual({
      ok: true,
      steps: ['4.4.9', '4.5.12'],
    });
  });

  it('Rocket.Chat: a new 8.x takes MongoDB 8.2; a new major (9.0.0) is not offered', () => {
    const { releases, unknownNewer } = mergeReleases(
      rocketchat.releases,
      ['9.0.0', '8.1.0', '8.0.1', '7.13.2', '6.13.1'],
      feedOf(rocketchat),
    );
    expect(releases.find((r) => r.version === '8.1.0')).toEqual({ version: '8.1.0', mongodb: '8.2' });
    expect(releases.find((r) => r.version === '7.13.2')).toEqual({ version: '7.13.2', mongodb: '8.0' });
    expect(releases.map((r) => r.version)).not.toContain('6.13.1');
    expect(unknownNewer).toEqual(['9.0.0']);
    expect(upgradePath({ kind: 'major-by-major' }, '7.13.0', '8.1.0', releases)).toEqual({
      ok: true,
      steps: ['7.13.2', '8.1.0'],
    });
  });

  it('chatmail: each fetched release its own image; 2.0.0 is newer than the wizard knows', () => {
    const { releases, unknownNewer } = mergeReleases(
      chatmail.releases,
      parseOciTags(recorded('ghcr-chatmail-docker-tags.json')),
      feedOf(chatmail),
    );
    expect(releases.slice(0, 3)).toEqual([
      { version: '1.13.0', image: 'ghcr.io/chatmail/docker:1.13.0' },
      { version: '1.12.1', image: 'ghcr.io/chatmail/docker:1.12.1' },
      { version: '1.12.0', image: 'ghcr.io/chatmail/docker:1.12.0', tested: true },
    ]);
    expect(unknownNewer).toEqual(['2.0.0']);
    expect(chatmail.upgrade?.envFor(releases[0] as Release)).toEqual({
      CHATMAIL_IMAGE: 'ghcr.io/chatmail/docker:1.13.0',
    });
  });
});

describe('live feed, then the last good fetch, then the shipped list', () => {
  const base = (
    stateDir: string,
    http: HttpClient,
    extra: Partial<Parameters<typeof loadReleases>[0]> = {},
  ) =>
    loadReleases({
      platform: 'mattermost',
      shipped: mattermost.releases,
      feed: feedOf(mattermost),
      http,
      stateDir,
      env: {},
      offline: false,
      now: () => new Date('2026-11-22T05:00:00Z'),
      ...extra,
    });

  it('a live fetch is used and cached (0644, no secrets); with the feed down the cache is used and says why', async () => {
    const dir = tmpRoot('wizard-feed-');
    const live = await base(dir, fakeHttp(hubTable).http);
    expect(live.source).toEqual({
      kind: 'feed',
      feed: 'hub.docker.com',
      fetchedAt: '2026-11-22T05:00:00.000Z',
    });
    expect(describeSource(live.source)).toBe('hub.docker.com (fetched now)');
    expect(statSync(cachePath(dir, 'mattermost')).mode & 0o777).toBe(0o644);
    expect(JSON.parse(readFileSync(cachePath(dir, 'mattermost'), 'utf8'))).toMatchObject({
      platform: 'mattermost',
      feed: 'hub.docker.com',
      fetchedAt: '2026-11-22T05:00:00.000Z',
    });

    const down = fakeHttp({ [HUB]: async () => Promise.reject(new Error('connection refused')) });
    const cached = await base(dir, down.http);
    expect(cached.source).toEqual({
      kind: 'cache',
      feed: 'hub.docker.com',
      fetchedAt: '2026-11-22T05:00:00.000Z',
      reason: 'hub.docker.com: connection refused',
    });
    expect(cached.releases.map((r) => r.version)).toEqual(live.releases.map((r) => r.version));
    expect(describeSource(cached.source)).toBe(
      'hub.docker.com as fetched at 2026-11-22T05:00:00.000Z (hub.docker.com: connection refused)',
    );
  });

  it('--offline never touches the network and still uses the cache', async () => {
    const dir = tmpRoot('wizard-feed-');
    mkdirSync(join(dir, 'releases'));
    writeFileSync(
      cachePath(dir, 'mattermost'),
      JSON.stringify({
        platform: 'mattermost',
        feed: 'hub.docker.com',
        fetchedAt: '2026-11-20T00:00:00.000Z',
        versions: ['11.7.16'],
      }),
    );
    const { http, calls } = fakeHttp({});
    const r = await base(dir, http, { offline: true });
    expect(calls).toEqual([]);
    expect(r.source).toMatchObject({ kind: 'cache', reason: '--offline' });
    expect(r.releases[0]?.version).toBe('11.7.16');
  });

  it('nothing cached and a feed that times out: the shipped list, saying why', async () => {
    const dir = tmpRoot('wizard-feed-');
    const hang = (signal?: AbortSignal) =>
      new Promise<never>((_, reject) =>
        signal?.addEventListener('abort', () => reject(new Error('timed out'))),
      );
    const r = await base(dir, fakeHttp({ [HUB]: hang }).http, { timeoutMs: 40 });
    expect(r.releases).toEqual(mattermost.releases);
    expect(r.source).toEqual({ kind: 'shipped', reason: 'hub.docker.com: timed out after 40 ms' });
    const offline = await base(dir, fakeHttp({}).http, { offline: true });
    expect(describeSource(offline.source)).toBe('shipped with the wizard (--offline, nothing cached)');
    const off = await base(dir, fakeHttp({}).http, { env: { WIZARD_FEED_URL: 'off' } });
    expect(describeSource(off.source)).toBe(
      'shipped with the wizard (feeds turned off (WIZARD_FEED_URL=off))',
    );
  });

  it('Ctrl-C while the feed is read stops the command (not a feed failure)', async () => {
    const dir = tmpRoot('wizard-feed-');
    const r = base(
      dir,
      fakeHttp({ [HUB]: async () => Promise.reject(new CancelledError('Interrupted')) }).http,
    );
    await expect(r).rejects.toBeInstanceOf(CancelledError);
  });

  it('a corrupt cache is ignored', async () => {
    const dir = tmpRoot('wizard-feed-');
    mkdirSync(join(dir, 'releases'));
    writeFileSync(cachePath(dir, 'mattermost'), '{"platform":');
    const r = await base(dir, fakeHttp({}).http, { offline: true });
    expect(r.source.kind).toBe('shipped');
  });
});
