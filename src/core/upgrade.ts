import semver from 'semver';
import type { Release } from './platform.js';

/**
 * Upgrade paths as data: each platform states its rule, the engine walks it. A path is the list of
 * releases to go through, in order, ending at the target; a refusal says why and what is allowed.
 */
export type UpgradeRule =
  /** No major version skipped: the newest release of each major in between comes first (Rocket.Chat). */
  | { kind: 'major-by-major' }
  /** Every minor series in turn; patch releases may be skipped (Mastodon). */
  | { kind: 'minor-by-minor' }
  /** From one ESR to the next, the newest patch of each (major.minor) series in between; the listed releases are the ESRs (Mattermost). */
  | { kind: 'release-by-release' }
  /** Any newer tag (chatmail). */
  | { kind: 'any-newer' };

export type UpgradePath = { ok: true; steps: string[] } | { ok: false; reason: string; allowed: string[] };

const sv = (v: string) => semver.coerce(v, { includePrerelease: true })?.version ?? v;
const cmp = (a: string, b: string) => semver.compare(sv(a), sv(b));

/** Releases a user may move to (no pre-release or broken test builds), oldest first. */
export function known(releases: Release[]): string[] {
  return [
    ...new Set(releases.map((r) => r.version).filter((v) => semver.valid(v) && !semver.prerelease(v))),
  ].sort(cmp);
}

export function upgradePath(
  rule: UpgradeRule,
  current: string,
  target: string,
  releases: Release[],
): UpgradePath {
  const all = known(releases);
  const newer = all.filter((v) => cmp(v, current) > 0);
  if (cmp(target, current) < 0)
    return {
      ok: false,
      reason: `${target} is older than the running ${current}: downgrades are not supported.`,
      allowed: newer,
    };
  if (cmp(target, current) === 0) return { ok: true, steps: [] };
  if (!all.includes(target))
    return { ok: false, reason: `${target} is not a known release.`, allowed: newer };
  const between = newer.filter((v) => cmp(v, target) <= 0);
  let steps: string[];
  switch (rule.kind) {
    case 'any-newer':
      steps = [target];
      break;
    case 'release-by-release': {
      // A feed adds patch releases of each ESR: one stop per series, at its newest patch (or the target).
      const series = (v: string) => `${semver.major(sv(v))}.${semver.minor(sv(v))}`;
      steps = between.filter(
        (v, i) =>
          v === target ||
          (series(v) !== series(current) &&
            series(v) !== series(target) &&
            series(between[i + 1] ?? target) !== series(v)),
      );
      break;
    }
    case 'major-by-major': {
      const major = (v: string) => semver.major(sv(v));
      steps = [];
      for (let m = major(current) + 1; m < major(target); m++) {
        const last = between.filter((v) => major(v) === m).pop();
        if (!last)
          return {
            ok: false,
            reason: `no known ${m}.x release to pass through on the way to ${target}.`,
            allowed: newer.filter((v) => major(v) <= major(current) + 1),
          };
        steps.push(last);
      }
      // Within the current major, go to its newest first when the target is a later major.
      const sameMajor = between.filter((v) => major(v) === major(current)).pop();
      if (major(target) > major(current) && sameMajor) steps.unshift(sameMajor);
      steps.push(target);
      break;
    }
    case 'minor-by-minor': {
      const series = (v: string) => `${semver.major(sv(v))}.${semver.minor(sv(v))}`;
      steps = [];
      const seen = new Set<string>([series(current)]);
      for (const v of between) {
        const s = series(v);
        if (s === series(target)) break;
        if (seen.has(s)) continue;
        seen.add(s);
        steps.push(between.filter((x) => series(x) === s).pop() as string);
      }
      steps.push(target);
      break;
    }
  }
  return { ok: true, steps: [...new Set(steps)] };
}

/** The newest release reachable in one step, and the newest of all. */
export function nextAndNewest(
  rule: UpgradeRule,
  current: string,
  releases: Release[],
): { next?: string; newest?: string } {
  const newer = known(releases).filter((v) => cmp(v, current) > 0);
  const newest = newer[newer.length - 1];
  if (!newest) return {};
  const path = upgradePath(rule, current, newest, releases);
  return { next: path.ok ? path.steps[0] : undefined, newest };
}
