import { platforms } from '../../steps/index.js';
import { proxyProject } from '../../steps/proxy/index.js';
import { missingAnswersError } from '../core/answers.js';
import { parseEnv } from '../core/envfile.js';
import { CancelledError, UserError } from '../core/errors.js';
import type { Platform } from '../core/platform.js';
import { heading } from '../ui/heading.js';
import type { Deps } from './deps.js';
import { gatherAnswers, type InstallFlags, type Resolved, settleAnswers } from './install/answers.js';
import { checkPlatform, checkServer } from './install/checks.js';
import { ImagePrefetch } from './install/prefetch.js';
import { preloadReleases } from './install/releases.js';
import { recordInstall, runInstall } from './install/run.js';
import { showSummary } from './install/summary.js';
import { buildPlan, reviewProps } from './plan.js';

export type { InstallFlags };

/**
 * `wizard install`, phase by phase: answers from flags, env and file (bad input fails here, before anything
 * is looked at or changed); the server's checks; the questions; the platform's checks; the plan and its
 * review; the run; the summary.
 */
export async function installCommand(flags: InstallFlags, deps: Deps): Promise<void> {
  const resolved = await gatherAnswers(flags, deps);
  // The release's images are pulled in the background from the moment the platform and release are known.
  const prefetch = new ImagePrefetch(deps, !resolved.dryRun && resolved.answers.offline !== true);
  try {
    await install(resolved, deps, prefetch);
  } finally {
    prefetch.stop();
  }
}

async function install(resolved: Resolved, deps: Deps, prefetch: ImagePrefetch): Promise<void> {
  const { term, log } = deps;
  // The version question's release list (feed, cache or shipped), fetched while the server is checked.
  const releaseLists = preloadReleases(deps, resolved);
  const given = resolved.answers;
  const interactive = term.interactive;
  const state = deps.state();

  // An existing install of the same name is repaired: what it recorded fills what was not given.
  const byName = given.name ? state.get(given.name) : given.platform ? state.get(given.platform) : undefined;
  const fromRecord = byName && (!given.platform || byName.platform === given.platform) ? byName : undefined;
  const missing = resolved.missing.filter((k) => !(fromRecord && k in { platform: 1, domain: 1, email: 1 }));
  if (missing.length > 0 && !interactive) throw missingAnswersError(missing);
  const known = (platformId: string | undefined, version: string | undefined) => {
    const p = deps.platforms.find((x) => x.id === platformId);
    const v = p && (version ?? defaultVersion(p));
    if (p && v) prefetch.known(p, { version: v, extra: given.extra ?? {} });
  };
  // No version question to come (given, --yes, no terminal, a repair): the platform decides it now.
  if (given.version || resolved.yes || !interactive || fromRecord)
    known(given.platform ?? fromRecord?.platform, given.version ?? fromRecord?.release);

  // The first frame: the heading goes out before Ink loads.
  term.stderr.write(heading('Checking this server', term.stderr, deps.env.env));
  const [screens, { Review }] = await Promise.all([import('../ui/screens.js'), import('../ui/Review.js')]);
  const { ask, confirm, printStatic } = screens;
  await checkServer(deps, resolved, screens);
  const { platform, record, answers, portNotes } = await settleAnswers(
    deps,
    ask,
    resolved,
    fromRecord,
    releaseLists,
    known,
  );
  const hostFixes = await checkPlatform(deps, resolved, screens, platform, answers, record);

  const project = deps.env.projectName(answers.name);
  const proxyProj = proxyProject(deps.env.projectName);
  const built = await buildPlan(platform, answers, {
    files: deps.files,
    templates: deps.templates,
    hostPath: deps.env.hostPath,
    project,
    proxyProject: proxyProj,
  });
  const { plan } = built;
  for (const f of plan.files) {
    if (!f.secret || !f.content) continue;
    const values = parseEnv(f.content).values;
    for (const key of platform.secretKeys) if (values[key]) log.addSecret(values[key]);
  }
  const notes: string[] = [...portNotes];
  // A release from the feed, not the shipped list: the review says it is untested.
  const shipped = platforms.find((p) => p.id === platform.id)?.releases;
  const untested =
    resolved.releaseNote ??
    (shipped && !shipped.some((r) => r.version === answers.version)
      ? `${platform.title} ${answers.version} is not one this wizard was tested with (it comes from the release feed).`
      : undefined);
  if (untested) notes.push(untested);
  // Only a finished install is "already installed" (a failed first clone left a record, but nothing installed).
  if (record?.status === 'installed')
    notes.push(`"${answers.name}" is already installed: this run repairs it with the same secrets and data.`);
  if (record && Object.keys(record.journal).length > 0 && record.status !== 'installed') {
    notes.push(
      `The last run stopped after ${Object.keys(record.journal).length} steps; this one continues from there.`,
    );
  }
  printStatic(
    <Review {...reviewProps(platform, answers, built, deps, notes, resolved.dryRun)} />,
    term.stderr,
  );

  if (!resolved.dryRun) {
    if (!resolved.yes) {
      if (!interactive)
        throw new UserError(
          'Nothing was changed: the plan needs a "yes" and there is no terminal to ask.',
          'Pass --yes (or WIZARD_YES=1) to go ahead without a question.',
        );
      if (!(await confirm(term, 'Go ahead and install?'))) throw new CancelledError('Nothing was changed.');
    }
    // From here a dropped SSH session no longer stops the install: it goes on to its end without a terminal.
    deps.session?.survivesHangup();
    await recordInstall(deps, platform, answers, record, project, hostFixes);
  }
  const firstAdminShown = !record?.journal.admin;
  const ctx = await runInstall(deps, platform, answers, record, {
    plan,
    project,
    proxyProject: proxyProj,
    dryRun: resolved.dryRun,
  });
  if (resolved.dryRun) return;
  await showSummary(deps, platform, answers, {
    readyVersion: ctx.readyVersion,
    notes: ctx.notes,
    firstAdminShown,
  });
}

/** The newest tested release: what an install without --version gets. */
const defaultVersion = (p: Platform) => (p.releases.find((r) => r.tested) ?? p.releases[0])?.version;
