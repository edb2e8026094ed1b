import { platforms, proxy } from '../../steps/index.js';
import { missingAnswersError } from '../core/answers.js';
import { parseEnv } from '../core/envfile.js';
import { CancelledError, UserError } from '../core/errors.js';
import type { Platform } from '../core/platform.js';
import { redactDeep } from '../core/redact.js';
import { heading } from '../ui/heading.js';
import type { ReviewProps } from '../ui/Review.js';
import type { Deps } from './deps.js';
import { composeAnswers, gatherAnswers, type InstallFlags, type Resolved } from './install/answers.js';
import { checkOfflineImages, checkPlatform, checkServer, lookUpOfflineImages } from './install/checks.js';
import { ImagePrefetch } from './install/prefetch.js';
import { askQuestions } from './install/questions.js';
import { preloadReleases } from './install/releases.js';
import { recordInstall, runInstall } from './install/run.js';
import { showSummary } from './install/summary.js';
import { buildPlan, reviewProps } from './plan.js';

export type { InstallFlags };

/**
 * `wizard install`, phase by phase: answers from flags, env and file (bad input fails here, before anything
 * is looked at or changed, before the lock); the server's checks; the questions; the platform's checks; the plan and its
 * review; the run; the summary.
 */
export async function installCommand(
  flags: InstallFlags,
  deps: Deps,
  hooks: { lock?: () => unknown } = {},
): Promise<void> {
  let prefetch: ImagePrefetch | undefined;
  const background: Promise<unknown>[] = [];
  try {
    const resolved = await gatherAnswers(flags, deps);
    // Input is judged before the lock: bad input creates nothing, not even the state folder. --dry-run needs no lock.
    if (!resolved.dryRun) await hooks.lock?.();
    // The release's images are pulled in the background from the moment the platform and release are known.
    prefetch = new ImagePrefetch(deps, !resolved.dryRun && resolved.answers.offline !== true);
    await install(resolved, deps, prefetch, background);
  } finally {
    prefetch?.stop();
    // A check that failed first leaves the images lookup running: its staging folder is removed when it ends.
    await Promise.allSettled(background);
    // The keyboard goes back to the terminal whatever happened (raw mode off, stdin no longer read).
    const { closeKeys } = await import('../ui/screens.js');
    closeKeys(deps.term);
  }
}

async function install(
  resolved: Resolved,
  deps: Deps,
  prefetch: ImagePrefetch,
  /** Work started ahead (--offline's images lookup): awaited before the command returns, whatever happened. */
  background: Promise<unknown>[],
): Promise<void> {
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

  // The answers, the plan and, with --offline, the lookup of its images (the slowest check, a clone and two
  // docker calls), which runs while the other checks do.
  const prepare = async (values?: Record<string, string>) => {
    const composed = await composeAnswers(deps, resolved, fromRecord, values);
    const { platform, record, answers } = composed;
    // Settled now whichever way the answers came (a run without questions included).
    known(platform.id, answers.version);
    const project = deps.env.projectName(answers.name);
    const proxyProj = proxy.project(deps.env.projectName);
    const built = await buildPlan(platform, answers, {
      files: deps.files,
      templates: deps.templates,
      hostPath: deps.env.hostPath,
      project,
      proxyProject: proxyProj,
      completed: new Set(Object.keys(record?.journal ?? {})),
    });
    for (const f of built.plan.files) {
      if (!f.secret || !f.content) continue;
      const values = parseEnv(f.content).values;
      for (const key of platform.secretKeys) if (values[key]) log.addSecret(values[key]);
    }
    const images = lookUpOfflineImages(deps, platform, answers, built.plan, project);
    if (images) background.push(images);
    return { ...composed, project, proxyProj, built, images };
  };
  // Without a terminal there are no questions: the answers are complete, so the plan is made (and its images
  // looked up) while the server is checked.
  let prepared = interactive ? undefined : await prepare();

  // The first frame: the heading goes out before Ink loads.
  term.stderr.write(heading('Checking this server', term.stderr, deps.env.env));
  const [screens, { Review, planLogLines, reviewColumns }] = await Promise.all([
    import('../ui/screens.js'),
    import('../ui/Review.js'),
  ]);
  const { printStatic, screenWidth } = screens;
  // One keyboard for every question of the run, the review's included: keys typed ahead are kept for the
  // question they were typed for. Ctrl-C between two questions (while a check runs) stops the run.
  if (interactive) screens.openKeys(term, () => process.kill(process.pid, 'SIGINT'));
  await checkServer(deps, resolved, screens);
  const asked = interactive
    ? await askQuestions(deps, screens, resolved, fromRecord, { releaseLists, known })
    : undefined;
  prepared ??= await prepare(asked?.values);
  const { platform, record, answers, portNotes, project, proxyProj, built } = prepared;
  const { hostFixes, keptData } = await checkPlatform(
    deps,
    resolved,
    screens,
    platform,
    answers,
    record,
    asked?.early,
  );
  const { plan } = built;
  await checkOfflineImages(deps, resolved, prepared.images);
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
  // With a question to come, the key answers and a count of the plan fit one screen (f and c list the rest).
  // --dry-run shows the whole plan, and so does --yes on a terminal. Without a terminal (a CI log) the counts,
  // and the log that lists every file and command: a plan of long commands would be most of that log.
  // A terminal wraps the lines at its width; without one each line stays whole.
  const asking = !resolved.dryRun && !resolved.yes && interactive;
  const tty = Boolean(term.stderr.isTTY);
  const width = tty ? screenWidth(term.stderr) : Number.POSITIVE_INFINITY;
  const review: ReviewProps = {
    // The review shows answers (a --repo-url with a token) and commands: through the run's redactor.
    ...redactDeep(reviewProps(platform, answers, built, deps, notes, resolved.dryRun), (t) => log.redact(t)),
    full: resolved.dryRun || (!asking && tty),
    ...(!resolved.dryRun && !asking && !tty ? { logPath: log.path } : {}),
    width,
  };
  for (const line of planLogLines(review)) log.info(line);
  printStatic(<Review {...review} />, term.stderr, tty ? width : reviewColumns(review));

  if (!resolved.dryRun) {
    if (!resolved.yes) {
      if (!interactive)
        throw new UserError(
          'Nothing was changed: the plan needs a "yes" and there is no terminal to ask.',
          'Pass --yes (or WIZARD_YES=1) to go ahead without a question.',
        );
      const { askReview } = await import('../ui/review-prompt.js');
      if (!(await askReview(term, review))) throw new CancelledError('Nothing was changed.');
    }
    screens.closeKeys(term);
    // From here a dropped SSH session no longer stops the install: it goes on to its end without a terminal.
    deps.session?.survivesHangup();
    await recordInstall(deps, platform, answers, record, project, hostFixes);
  }
  const firstAdminShown = !record?.journal.admin;
  const ctx = await runInstall(deps, platform, answers, record, {
    plan,
    steps: built.steps,
    project,
    proxyProject: proxyProj,
    dryRun: resolved.dryRun,
    keptData,
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
