import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HttpClient } from '../core/context.js';
import { CancelledError } from '../core/errors.js';
import type { Release } from '../core/platform.js';
import {
  bearerChallenge,
  type FeedSource,
  feedHost,
  linkRel,
  mergeReleases,
  parseDockerHubTags,
  parseGitHubReleases,
  parseOciTags,
  type ReleaseFeed,
  type ReleaseList,
  type ReleaseSource,
} from '../core/release-feed.js';
import { writeFileSafe } from './safe-fs.js';

/** The whole feed query (every page) is bounded by this. */
export const FEED_TIMEOUT_MS = 4000;
/** Pages read at most per feed (Docker Hub and GitHub list the newest first). */
export const MAX_PAGES = 4;

/**
 * WIZARD_FEED_URL: unset → the real feeds; `off` → none (shipped list or cache); an origin such as
 * http://127.0.0.1:8080 → every feed request goes there instead, with its path kept (tests, mirrors).
 */
export function feedOrigin(
  env: Record<string, string | undefined>,
): { off: true } | { off: false; rewrite: (url: string) => string } {
  const v = env.WIZARD_FEED_URL?.trim();
  if (v === 'off') return { off: true };
  if (!v) return { off: false, rewrite: (u) => u };
  let origin: URL;
  try {
    origin = new URL(v);
  } catch {
    throw new Error(`WIZARD_FEED_URL="${v}" is not a URL (use http://HOST:PORT, or off)`);
  }
  return {
    off: false,
    rewrite: (u) => {
      const url = new URL(u);
      return `${origin.protocol}//${origin.host}${url.pathname}${url.search}`;
    },
  };
}

interface FetchOptions {
  http: HttpClient;
  rewrite?: (url: string) => string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Every plain release version the feed lists (pages read concurrently where the API says how many there are). */
export async function fetchFeed(source: FeedSource, opts: FetchOptions): Promise<string[]> {
  const timeoutMs = opts.timeoutMs ?? FEED_TIMEOUT_MS;
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(opts.signal ? [opts.signal] : [])]);
  const rewrite = opts.rewrite ?? ((u: string) => u);
  const get = async (url: string, headers: Record<string, string> = {}) => {
    return opts.http
      .request(rewrite(url), { headers, signal, timeoutMs })
      .catch((e: Error & { cause?: { code?: string } }) => {
        if (signal.aborted && !opts.signal?.aborted)
          throw new Error(
            `timed out after ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`,
          );
        if (e.cause?.code === 'ENOTFOUND' || e.cause?.code === 'EAI_AGAIN')
          throw new Error(`can't resolve ${new URL(rewrite(url)).hostname} (no internet access?)`);
        throw e;
      });
  };
  const ok = (res: { status: number }, url: string) => {
    if (res.status !== 200) throw new Error(`HTTP ${res.status} from ${new URL(url).pathname}`);
  };

  if (source.kind === 'docker-hub') {
    const first = `https://hub.docker.com/v2/repositories/${source.repository}/tags?page_size=100`;
    const res = await get(first);
    ok(res, first);
    const page = parseDockerHubTags(res.body);
    const pages =
      page.count !== undefined ? Math.min(Math.ceil(page.count / 100), MAX_PAGES) : page.next ? MAX_PAGES : 1;
    const rest = await Promise.all(
      Array.from({ length: Math.max(pages - 1, 0) }, async (_, i) => {
        const url = `${first}&page=${i + 2}`;
        const r = await get(url);
        if (r.status === 404) return []; // fewer pages than counted (tags deleted meanwhile)
        ok(r, url);
        return parseDockerHubTags(r.body).versions;
      }),
    );
    return [...new Set([...page.versions, ...rest.flat()])];
  }

  if (source.kind === 'github-releases') {
    const headers = {
      accept: 'application/vnd.github+json',
      'user-agent': 'wizard',
      'x-github-api-version': '2022-11-28',
    };
    const first = `https://api.github.com/repos/${source.repository}/releases?per_page=100`;
    const res = await get(first, headers);
    ok(res, first);
    const last = Number(new URL(linkRel(res.headers?.link, 'last') ?? first).searchParams.get('page') ?? '1');
    const pages = Math.min(Number.isFinite(last) ? last : 1, MAX_PAGES);
    const rest = await Promise.all(
      Array.from({ length: Math.max(pages - 1, 0) }, async (_, i) => {
        const url = `${first}&page=${i + 2}`;
        const r = await get(url, headers);
        ok(r, url);
        return parseGitHubReleases(r.body);
      }),
    );
    return [...new Set([...parseGitHubReleases(res.body), ...rest.flat()])];
  }

  // OCI distribution: an anonymous pull token from the realm the 401 names, then the tag list (Link: rel="next").
  const base = `https://${source.registry}`;
  let url = `${base}/v2/${source.repository}/tags/list?n=1000`;
  let res = await get(url);
  let auth: Record<string, string> = {};
  if (res.status === 401) {
    const challenge = bearerChallenge(res.headers?.['www-authenticate']) ?? {
      realm: `${base}/token`,
      service: source.registry,
    };
    const tokenUrl = new URL(challenge.realm);
    tokenUrl.searchParams.set('scope', challenge.scope ?? `repository:${source.repository}:pull`);
    if (challenge.service) tokenUrl.searchParams.set('service', challenge.service);
    const t = await get(tokenUrl.toString());
    ok(t, tokenUrl.toString());
    let token: unknown;
    try {
      const body = JSON.parse(t.body) as { token?: unknown; access_token?: unknown };
      token = body.token ?? body.access_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || !token) throw new Error('no anonymous pull token in the answer');
    auth = { authorization: `Bearer ${token}` };
    res = await get(url, auth);
  }
  const versions: string[] = [];
  for (let page = 1; ; page++) {
    ok(res, url);
    versions.push(...parseOciTags(res.body));
    const next = linkRel(res.headers?.link, 'next');
    if (!next || page >= MAX_PAGES) break;
    url = new URL(next, base).toString();
    res = await get(url, auth);
  }
  return [...new Set(versions)];
}

/** The last good fetch of a platform's feed, in STATE_DIR/releases/PLATFORM.json (no secrets). */
export interface FeedCache {
  platform: string;
  feed: string;
  fetchedAt: string;
  versions: string[];
}

export const cachePath = (stateDir: string, platform: string) =>
  join(stateDir, 'releases', `${platform}.json`);

export async function readCache(stateDir: string, platform: string): Promise<FeedCache | undefined> {
  try {
    const c = JSON.parse(await readFile(cachePath(stateDir, platform), 'utf8')) as Partial<FeedCache>;
    if (typeof c.fetchedAt !== 'string' || typeof c.feed !== 'string' || !Array.isArray(c.versions))
      return undefined;
    return {
      platform,
      feed: c.feed,
      fetchedAt: c.fetchedAt,
      versions: c.versions.filter((v): v is string => typeof v === 'string'),
    };
  } catch {
    return undefined;
  }
}

/** Atomic and root-safe: a random temp name, created exclusively, renamed over the old one (safe-fs). */
export async function writeCache(stateDir: string, cache: FeedCache): Promise<void> {
  await writeFileSafe(cachePath(stateDir, cache.platform), `${JSON.stringify(cache, null, 2)}\n`, 0o644);
}

/**
 * The releases `wizard upgrade` chooses from: the live feed, else its last good fetch, else none; the shipped
 * list is always merged in. Never throws for a feed: the source says what was used and why.
 */
export async function loadReleases(opts: {
  platform: string;
  shipped: Release[];
  feed?: ReleaseFeed | undefined;
  http: HttpClient;
  stateDir: string;
  env: Record<string, string | undefined>;
  offline: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
  now?: () => Date;
}): Promise<ReleaseList> {
  const { feed } = opts;
  if (!feed)
    return {
      releases: opts.shipped,
      unknownNewer: [],
      source: { kind: 'shipped', reason: 'no release feed for this platform' },
    };
  const host = feedHost(feed.source);
  let reason = '';
  let origin: ReturnType<typeof feedOrigin> | undefined;
  try {
    origin = feedOrigin(opts.env);
  } catch (e) {
    origin = undefined;
    reason = (e as Error).message;
  }
  if (opts.offline) reason = '--offline';
  else if (origin?.off) reason = 'feeds turned off (WIZARD_FEED_URL=off)';
  else if (origin) {
    try {
      const versions = await fetchFeed(feed.source, {
        http: opts.http,
        rewrite: origin.rewrite,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      });
      const fetchedAt = (opts.now?.() ?? new Date()).toISOString();
      // A cache that can't be written only costs the next offline run its list.
      await writeCache(opts.stateDir, { platform: opts.platform, feed: host, fetchedAt, versions }).catch(
        () => undefined,
      );
      return {
        ...mergeReleases(opts.shipped, versions, feed),
        source: { kind: 'feed', feed: host, fetchedAt },
      };
    } catch (e) {
      if (opts.signal?.aborted || e instanceof CancelledError) throw e; // Ctrl-C is not a feed failure
      reason = `${host}: ${(e as Error).message}`;
    }
  }
  const cache = await readCache(opts.stateDir, opts.platform);
  if (cache)
    return {
      ...mergeReleases(opts.shipped, cache.versions, feed),
      source: { kind: 'cache', feed: cache.feed, fetchedAt: cache.fetchedAt, reason },
    };
  const source: ReleaseSource = {
    kind: 'shipped',
    reason: opts.offline ? '--offline, nothing cached' : reason,
  };
  return { releases: opts.shipped, unknownNewer: [], source };
}
