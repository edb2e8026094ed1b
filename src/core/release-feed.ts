import semver from 'semver';
import type { Release } from './platform.js';

/**
 * Release feeds as data: where a platform's released versions are published, parsed from the public APIs'
 * JSON, and merged into the list the wizard ships (which stays the source of each release's requirements).
 */
export type FeedSource =
  /** Docker Hub's tag list, e.g. `mattermost/mattermost-team-edition`. */
  | { kind: 'docker-hub'; repository: string }
  /** GitHub releases (drafts and prereleases skipped), e.g. `mastodon/mastodon`. */
  | { kind: 'github-releases'; repository: string }
  /** An OCI registry's tag list with an anonymous pull token, e.g. ghcr.io `chatmail/docker`. */
  | { kind: 'oci'; registry: string; repository: string };

export interface ReleaseFeed {
  source: FeedSource;
  /**
   * A fetched version takes the fields (database versions...) of the newest shipped release of its series;
   * a version in a series the shipped list does not know is not offered (its requirements are unknown).
   */
  series: 'major' | 'minor';
  /** Fields that follow the version rather than the series, `{version}` replaced (e.g. chatmail's image). */
  fields?: Record<string, string>;
  /** Said after the versions newer than the wizard knows (e.g. why most of them will never be offered). */
  unknownNote?: string;
}

/** Where the release list came from, and why not from further up the chain (live feed → cache → shipped). */
export interface ReleaseSource {
  kind: 'feed' | 'cache' | 'shipped';
  /** The feed's host, e.g. hub.docker.com. */
  feed?: string;
  fetchedAt?: string;
  /** Why the live feed was not used (timed out, --offline...). */
  reason?: string;
}

export interface ReleaseList {
  /** Shipped and fetched releases, newest first (as Platform.releases). */
  releases: Release[];
  /** Released versions in series this wizard does not know, newer than all it knows, oldest first. */
  unknownNewer: string[];
  source: ReleaseSource;
}

/** The host a feed is read from (before any WIZARD_FEED_URL override). */
export function feedHost(source: FeedSource): string {
  return source.kind === 'docker-hub'
    ? 'hub.docker.com'
    : source.kind === 'github-releases'
      ? 'api.github.com'
      : source.registry;
}

/** `4.5.12` or `v4.5.12` → 4.5.12; anything else (rc, beta, latest, 4.5, 4.5.12-amd64, sha-…) → undefined. */
export function plainVersion(tag: unknown): string | undefined {
  if (typeof tag !== 'string') return undefined;
  const m = /^v?(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/.exec(tag);
  return m ? `${m[1]}.${m[2]}.${m[3]}` : undefined;
}

const unique = (vs: (string | undefined)[]) => [...new Set(vs.filter((v): v is string => v !== undefined))];

function json(body: string, what: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new Error(`not ${what} (no JSON)`);
  }
}

/** One page of `GET /v2/repositories/NS/REPO/tags`: `{count, next, results: [{name}]}`. */
export function parseDockerHubTags(body: string): { versions: string[]; next?: string; count?: number } {
  const page = json(body, 'a Docker Hub tag list') as { count?: unknown; next?: unknown; results?: unknown };
  if (!page || typeof page !== 'object' || !Array.isArray(page.results))
    throw new Error('not a Docker Hub tag list');
  return {
    versions: unique(page.results.map((r: { name?: unknown }) => plainVersion(r?.name))),
    ...(typeof page.next === 'string' && page.next ? { next: page.next } : {}),
    ...(typeof page.count === 'number' ? { count: page.count } : {}),
  };
}

/** One page of `GET /repos/OWNER/REPO/releases`: published releases only, no drafts or prereleases. */
export function parseGitHubReleases(body: string): string[] {
  const list = json(body, 'a GitHub release list');
  if (!Array.isArray(list)) throw new Error('not a GitHub release list');
  return unique(
    list
      .filter((r) => r && typeof r === 'object' && !r.draft && !r.prerelease)
      .map((r) => plainVersion(r.tag_name)),
  );
}

/** `GET /v2/NAME/tags/list` of an OCI registry: `{name, tags: [...]}`. */
export function parseOciTags(body: string): string[] {
  const list = json(body, 'an OCI tag list') as { tags?: unknown };
  if (!list || typeof list !== 'object' || !(Array.isArray(list.tags) || list.tags === null))
    throw new Error('not an OCI tag list');
  return unique((list.tags ?? []).map(plainVersion));
}

/** The `rel="next"` (or another rel) target of an RFC 8288 Link header. */
export function linkRel(header: string | undefined, rel: string): string | undefined {
  for (const part of (header ?? '').split(',')) {
    const m = /<([^>]+)>\s*;(.*)$/.exec(part.trim());
    if (m?.[1] && new RegExp(`rel="?${rel}"?(;|\\s|$)`).test(m[2] ?? '')) return m[1];
  }
  return undefined;
}

/** A 401's `WWW-Authenticate: Bearer realm="…",service="…",scope="…"`. */
export function bearerChallenge(
  header: string | undefined,
): { realm: string; service?: string; scope?: string } | undefined {
  if (!header || !/^bearer\s/i.test(header)) return undefined;
  const params = Object.fromEntries(
    [...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]?.toLowerCase(), m[2]]),
  );
  if (!params.realm) return undefined;
  return {
    realm: params.realm,
    ...(params.service ? { service: params.service } : {}),
    ...(params.scope ? { scope: params.scope } : {}),
  };
}

const seriesOf = (series: ReleaseFeed['series'], v: string) =>
  series === 'major' ? `${semver.major(v)}` : `${semver.major(v)}.${semver.minor(v)}`;

/** The newest shipped release of a version's series (whose needs a fetched release of that series takes). */
export function seriesBase(shipped: Release[], version: string, feed: ReleaseFeed): Release | undefined {
  if (!semver.valid(version)) return undefined;
  const series = seriesOf(feed.series, version);
  return shipped
    .filter((r) => semver.valid(r.version) && !semver.prerelease(r.version))
    .sort((a, b) => semver.rcompare(a.version, b.version))
    .find((r) => seriesOf(feed.series, r.version) === series);
}

/**
 * The release record of a version: the shipped one, else one of a series the shipped list knows, with the fields
 * (database versions...) of the newest shipped release of that series and the feed's own fields; undefined for a
 * series the wizard does not know. An install of a release from the feed reads its needs here.
 */
export function releaseFor(
  shipped: Release[],
  version: string,
  feed: ReleaseFeed | undefined,
): Release | undefined {
  const own = shipped.find((r) => r.version === version);
  if (own || !feed) return own;
  const base = seriesBase(shipped, version, feed);
  if (!base) return undefined;
  const { version: _v, tested: _t, ...inherited } = base;
  const fields = Object.fromEntries(
    Object.entries(feed.fields ?? {}).map(([k, t]) => [k, t.replaceAll('{version}', version)]),
  );
  return { ...inherited, ...fields, version };
}

/**
 * The shipped list plus the fetched versions of the series it knows, each inheriting the fields of the newest
 * shipped release of its series; versions of unknown series newer than everything known are set apart.
 */
export function mergeReleases(
  shipped: Release[],
  fetched: string[],
  feed: ReleaseFeed,
): Omit<ReleaseList, 'source'> {
  const plain = shipped.filter((r) => semver.valid(r.version) && !semver.prerelease(r.version));
  const byNewest = [...plain].sort((a, b) => semver.rcompare(a.version, b.version));
  const newestKnown = byNewest[0]?.version;
  const have = new Set(shipped.map((r) => r.version));
  const added: Release[] = [];
  const unknownNewer: string[] = [];
  for (const version of unique(fetched.map(plainVersion))) {
    if (have.has(version)) continue;
    const release = releaseFor(plain, version, feed);
    if (!release) {
      if (newestKnown && semver.gt(version, newestKnown)) unknownNewer.push(version);
      continue;
    }
    added.push(release);
  }
  const releases = [...shipped, ...added].sort((a, b) => {
    const va = semver.valid(a.version);
    const vb = semver.valid(b.version);
    return va && vb ? semver.rcompare(va, vb) : 0;
  });
  return { releases, unknownNewer: unknownNewer.sort(semver.compare) };
}

/** One line: where the list came from, e.g. "shipped with the wizard (hub.docker.com: timed out after 4 s)". */
export function describeSource(s: ReleaseSource): string {
  if (s.kind === 'feed') return `${s.feed} (fetched now)`;
  if (s.kind === 'cache')
    return `${s.feed} as fetched at ${s.fetchedAt ?? 'an earlier run'}${s.reason ? ` (${s.reason})` : ''}`;
  return `shipped with the wizard${s.reason ? ` (${s.reason})` : ''}`;
}

/** The line about released versions this wizard doesn't know: the newest few, then how many more, and the feed's note. */
export function unknownNewerText(versions: string[], note?: string): string | undefined {
  if (versions.length === 0) return undefined;
  const list =
    versions.length > 4
      ? `${versions.slice(-4).join(', ')} and ${versions.length - 4} more`
      : versions.join(', ');
  return `Newer than this wizard knows: ${list}; run \`wizard self-update\` to be offered them.${note ? ` ${note}` : ''}`;
}
