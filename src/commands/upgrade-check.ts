import type { Platform, UpgradeSpec } from '../core/platform.js';
import { nextAndNewest, upgradePath } from '../core/upgrade.js';
import { describeJournal } from '../core/upgrade-journal.js';
import type { InstallRecord } from '../system/state.js';
import type { Deps } from './deps.js';
import type { UpgradeOptions } from './upgrade.js';

/** Exit code of `--check` when a newer release can be installed. */
export const UPGRADE_AVAILABLE = 10;

/**
 * `wizard upgrade --check`: for each install, the release it runs, the next step its platform's rules allow and
 * the newest known, without changing anything. One install: its report (JSON: one object, as before). Several:
 * one report each, under its name (JSON: {installs: [...]}). Exit 10 when any install can be upgraded.
 */
export async function checkUpgrades(
  deps: Deps,
  opts: UpgradeOptions,
  records: InstallRecord[],
): Promise<number> {
  // The wizard's own channel is asked meanwhile (bounded: the feeds 4 s, the channel 2 s).
  const wizardUpdate = import('./self-update.js').then(({ newerWizard }) => newerWizard(deps));
  const reports = await Promise.all(records.map((r) => checkOne(deps, opts, r)));
  const newerWizard = await wizardUpdate;
  if (newerWizard && !opts.json)
    deps.term.stderr.write(
      `A newer wizard is published: ${newerWizard} (this is ${deps.version}). Run: wizard self-update\n`,
    );
  const results = reports.map((r) => ({
    ...r.result,
    wizard: { current: deps.version, newer: newerWizard ?? null },
  }));
  const several = records.length > 1;
  if (opts.json)
    deps.term.stdout.write(`${JSON.stringify(several ? { installs: results } : results[0], null, 2)}\n`);
  else
    deps.term.stdout.write(
      reports
        .map((r) => (several ? `${r.result.install}:\n${indent(r.lines)}` : r.lines.join('')))
        .join('\n'),
    );
  return reports.some((r) => r.result.upgradeAvailable) ? UPGRADE_AVAILABLE : 0;
}

const indent = (lines: string[]) =>
  lines
    .join('')
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');

async function checkOne(deps: Deps, opts: UpgradeOptions, record: InstallRecord) {
  const platform = deps.platforms.find((p) => p.id === record.platform) as Platform;
  const spec = platform.upgrade;
  const current = record.release;
  if (!spec) {
    return {
      result: {
        install: record.name,
        platform: platform.id,
        current,
        next: null,
        newest: current,
        path: [],
        upgradeAvailable: false,
        interrupted: null,
        unsupported: true,
      },
      lines: [`${platform.title} ${current}: upgrades of ${platform.title} are not supported yet.\n`],
    };
  }
  const { offered, releaseList, unknown } = await offeredReleases(
    deps,
    platform,
    spec,
    Boolean(opts.offline),
  );
  const { next, newest } = nextAndNewest(spec.rule, current, offered.releases);
  const toNewest = newest ? upgradePath(spec.rule, current, newest, offered.releases) : undefined;
  const path = toNewest?.ok ? toNewest.steps : [];
  const journal = record.upgradeJournal;
  const interrupted = journal
    ? { ...journal, summary: describeJournal(journal), remedy: `wizard upgrade ${record.name}` }
    : null;
  const result = {
    install: record.name,
    platform: platform.id,
    current,
    next: next ?? null,
    newest: newest ?? current,
    path,
    upgradeAvailable: Boolean(next),
    interrupted,
    releaseNotes: spec.releaseNotes,
    releaseList,
    releaseSource: {
      kind: offered.source.kind,
      feed: offered.source.feed ?? null,
      fetchedAt: offered.source.fetchedAt ?? null,
      reason: offered.source.reason ?? null,
    },
    newerThanWizardKnows: offered.unknownNewer,
  };
  const lines: string[] = [];
  if (interrupted)
    lines.push(
      `${platform.title}: ${interrupted.summary}.\nRun: wizard upgrade ${record.name} (it settles the interrupted upgrade first)\n`,
    );
  else {
    lines.push(
      next
        ? `${platform.title} ${current} → ${next} can be installed (newest: ${newest}). Release notes: ${spec.releaseNotes}\n`
        : `${platform.title} ${current} is up to date.\n`,
    );
    if (path.length > 1) lines.push(`Path: ${[current, ...path].join(' → ')}\n`);
    lines.push(`Release list: ${releaseList}\n`);
    if (unknown) lines.push(`${unknown}\n`);
    if (next)
      lines.push(
        `Run: wizard upgrade ${record.name}${next !== newest ? ` --to ${next}` : ''}${opts.offline ? ' --offline' : ''}\n`,
      );
  }
  return { result, lines };
}

/** The releases an upgrade may go to: the shipped list merged with the platform's feed (read lazily, cached). */
export async function offeredReleases(deps: Deps, platform: Platform, spec: UpgradeSpec, offline: boolean) {
  const { loadReleases } = await import('../system/release-feed.js');
  const { describeSource, unknownNewerText } = await import('../core/release-feed.js');
  const offered = await loadReleases({
    platform: platform.id,
    shipped: platform.releases,
    feed: spec.feed,
    http: deps.http,
    stateDir: deps.env.stateDir,
    env: deps.env.env,
    offline,
  });
  return {
    offered,
    releaseList: describeSource(offered.source),
    unknown: unknownNewerText(offered.unknownNewer, spec.feed?.unknownNote),
  };
}
