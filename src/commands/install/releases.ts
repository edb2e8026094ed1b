import type { Platform, Release } from '../../core/platform.js';
import { describeSource, type ReleaseSource } from '../../core/release-feed.js';
import type { Deps } from '../deps.js';

/**
 * The releases `wizard install` offers, the same list as `wizard upgrade`: the platform's release feed merged with
 * the shipped list (a fetched release takes its series' needs from the newest shipped one), the last good fetch
 * when the feed does not answer within its bound, the shipped list alone under --offline. The default stays the
 * newest tested release. The question phase asks for it through `installReleases`.
 */
export interface InstallReleases {
  releases: Release[];
  /** The list the wizard was shipped (and tested) with. */
  shipped: Release[];
  /** The newest tested release: the default. */
  tested: string | undefined;
  source: ReleaseSource;
  /** "hub.docker.com (fetched now)", "shipped with the wizard (hub.docker.com: timed out after 4 s)". */
  sourceText: string;
  /** The feed did not answer (or could not be read): the list is the cache or the shipped one, and says so. */
  fellBack: boolean;
  /** Released versions in series this wizard does not know (never installed: their needs are unknown). */
  unknownNewer: string[];
}

export async function installReleases(
  deps: Pick<Deps, 'http' | 'env'>,
  platform: Platform,
  opts: { offline: boolean; signal?: AbortSignal },
): Promise<InstallReleases> {
  const tested = platform.releases.find((r) => r.tested)?.version ?? platform.releases[0]?.version;
  const { loadReleases } = await import('../../system/release-feed.js');
  const list = await loadReleases({
    platform: platform.id,
    shipped: platform.releases,
    feed: platform.upgrade?.feed,
    http: deps.http,
    stateDir: deps.env.stateDir,
    env: deps.env.env,
    offline: opts.offline,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const reason = list.source.reason ?? '';
  return {
    releases: list.releases,
    shipped: platform.releases,
    tested,
    source: list.source,
    sourceText: describeSource(list.source),
    fellBack:
      list.source.kind !== 'feed' &&
      Boolean(platform.upgrade?.feed) &&
      reason !== '--offline' &&
      reason !== '--offline, nothing cached' &&
      !reason.startsWith('feeds turned off'),
    unknownNewer: list.unknownNewer,
  };
}

/** The platforms with one's release list replaced (the question phase and the answers' checks read it there). */
export function withReleases(platforms: Platform[], id: string, releases: Release[]): Platform[] {
  return platforms.map((p) => (p.id === id ? { ...p, releases } : p));
}
