import { type RawAnswers, resolveAnswers } from '../../core/answers.js';
import type { Platform, Release } from '../../core/platform.js';
import { describeSource, type ReleaseSource, seriesBase } from '../../core/release-feed.js';
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

/**
 * --version of a release the wizard was not shipped with: the platform's release list (feed, cache or shipped,
 * as `wizard upgrade` reads it) decides. One of a series the wizard knows is taken, with a note that it is
 * untested; one in neither list is refused (exit 2) naming the releases that exist. From here on the install
 * reads the merged list (deps.platforms).
 */
export async function releaseFromFeed(
  deps: Deps,
  resolved: ReturnType<typeof resolveAnswers>,
  sources: RawAnswers[],
  opts: Parameters<typeof resolveAnswers>[2],
): Promise<(ReturnType<typeof resolveAnswers> & { releaseNote?: string }) | undefined> {
  const unknown = resolved.errors.find(
    (e) => e.key === 'version' && / is not a release this wizard knows\./.test(e.error),
  );
  const platform = deps.platforms.find((p) => p.id === resolved.answers.platform);
  if (!unknown || !platform) return undefined;
  const offline = resolved.answers.offline === true;
  const list = await installReleases(deps, platform, { offline });
  const platforms = withReleases(deps.platforms, platform.id, list.releases);
  const again = resolveAnswers(sources, platforms, opts);
  const version = again.answers.version;
  if (!version) {
    const known = list.releases.map((r) => r.version);
    const shown =
      known.length > 12
        ? `${known.slice(0, 12).join(', ')} and ${known.length - 12} older`
        : known.join(', ');
    const newer = list.unknownNewer.length
      ? ` Newer than this wizard knows (their needs are unknown): ${list.unknownNewer.slice(-4).join(', ')}; run \`wizard self-update\`.`
      : '';
    return {
      ...again,
      errors: again.errors.map((e) =>
        e.key === 'version'
          ? {
              ...e,
              error: e.error.replace(/\.$/, ` (its release list: ${list.sourceText}).`),
              remedy: `Releases: ${shown}.${newer}`,
            }
          : e,
      ),
    };
  }
  deps.platforms = platforms;
  if (list.fellBack) deps.term.stderr.write(`Release list: ${list.sourceText}\n`);
  const feed = platform.upgrade?.feed;
  const series = feed ? seriesBase(platform.releases, version, feed)?.version : undefined;
  deps.log.info(`release ${version} of ${platform.id} from ${list.sourceText} (not shipped with the wizard)`);
  return {
    ...again,
    releaseNote: `${platform.title} ${version} is not one this wizard was tested with (its release list: ${list.sourceText}); it installs with what its series needs${series ? `, as ${series} does` : ''}.`,
  };
}

/**
 * The release lists of the platforms the version question may be asked for, fetched in the background while the
 * server is checked (each bounded by the feed's timeout): only when the question can come (a terminal, no
 * --version, no --yes).
 */
export function preloadReleases(
  deps: Deps,
  resolved: Pick<ReturnType<typeof resolveAnswers>, 'yes' | 'answers'>,
): Promise<Map<string, InstallReleases>> | undefined {
  if (!deps.term.interactive || resolved.yes || resolved.answers.version) return undefined;
  const candidates = deps.platforms.filter(
    (p) => p.upgrade?.feed && (!resolved.answers.platform || p.id === resolved.answers.platform),
  );
  const offline = resolved.answers.offline === true;
  return Promise.all(
    candidates.map((p) =>
      installReleases(deps, p, { offline }).then(
        (list) => [p.id, list] as const,
        () => undefined,
      ),
    ),
  ).then((pairs) => new Map(pairs.filter((x): x is readonly [string, InstallReleases] => x !== undefined)));
}
