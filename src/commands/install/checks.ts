import { proxy } from '../../../steps/index.js';
import {
  blockingFailures,
  type CheckInput,
  type CheckOutcome,
  hostChecks,
  installChecks,
} from '../../core/checks.js';
import { PrerequisiteError } from '../../core/errors.js';
import type { FileSpec } from '../../core/plan.js';
import type { InstallAnswers, Platform } from '../../core/platform.js';
import { platformReadiness, withReadinessChecks } from '../../core/readiness-checks.js';
import { runChecks } from '../../engine/run-checks.js';
import type { ImagesVerdict } from '../../system/images.js';
import type { InstallRecord } from '../../system/state.js';
import type { Deps } from '../deps.js';
import { DOCKER_SCRIPT_URL, installDocker } from '../docker-install.js';
import { offerHostFixes } from '../readiness.js';
import type { Resolved } from './answers.js';

type Screens = typeof import('../../ui/screens.js');

/** The host's own checks (Docker, Compose, root, ...); a missing Docker is offered, never installed silently. */
export async function checkServer(
  deps: Deps,
  resolved: Resolved,
  ui: Pick<Screens, 'confirm' | 'showChecks'>,
): Promise<void> {
  const { term } = deps;
  const { confirm, showChecks } = ui;
  const interactive = term.interactive;
  const checkHost = (title?: string) =>
    showChecks(term, title, hostChecks, (onResult) =>
      runChecks(hostChecks, deps.probe, {}, { ignore: resolved.ignoreChecks, onResult }),
    );
  let hostOutcomes = await checkHost();
  // Docker missing: offer to install it, with a question, never silently (and never under --dry-run).
  const docker = hostOutcomes.find((o) => o.id === 'docker');
  if (
    docker?.status === 'fail' &&
    !docker.ignored &&
    docker.detail === 'docker is not installed.' &&
    interactive &&
    !resolved.dryRun
  ) {
    if (
      await confirm(
        term,
        `Docker is not installed. Install Docker Engine and Compose now with Docker's script (${DOCKER_SCRIPT_URL})?`,
      )
    ) {
      await installDocker(deps, { onLine: (l) => term.stderr.write(`  ${l}\n`) });
      deps.probe = deps.probeAfterChange?.() ?? deps.probe;
      hostOutcomes = await checkHost('Checking this server again');
    }
  }
  failOnBlocking(hostOutcomes, deps);
}

/** The chosen platform's checks and what they read: its ports (with the holders allowed), disk, memory, DNS, ... */
export function platformChecks(
  deps: Deps,
  platform: Platform,
  answers: InstallAnswers,
  record: InstallRecord | undefined,
) {
  const state = deps.state();
  const allowed = new Map<number, string>();
  if (record)
    for (const p of platform.requirements.ports(answers)) allowed.set(p, `this install's containers`);
  const proxyUsed = state
    .installs()
    .some((i) => i.tls !== 'none' && !deps.platforms.find((p) => p.id === i.platform)?.ownTls);
  if (proxyUsed && !platform.ownTls) for (const p of proxy.ports) allowed.set(p, "the wizard's proxy");
  const ports = [
    ...platform.requirements.ports(answers),
    ...(answers.tls === 'none' || platform.ownTls ? [] : proxy.ports),
  ];
  const checks = withReadinessChecks(
    [
      ...installChecks.filter((c) => !platform.checks?.some((own) => own.id === c.id)),
      ...(platform.checks ?? []),
    ],
    answers,
  );
  const readiness = platformReadiness(platform, answers, {
    ...(record?.readiness?.leAttempts ? { leAttempts: record.readiness.leAttempts, now: new Date() } : {}),
  });
  const otherInstalls = state
    .installs()
    .filter((i) => i.name !== answers.name)
    .map((i) => ({ name: i.name, platform: i.platform, tls: i.tls, domain: i.domain }));
  const checkInput: CheckInput = {
    databases: [platform.database ?? 'none'],
    answers,
    memoryMiB: platform.requirements.memoryMiB,
    diskGiB: platform.requirements.diskGiB,
    ports,
    allowedPortHolders: allowed,
    ...(platform.requirements.portNames ? { portNames: platform.requirements.portNames } : {}),
    ...(platform.requirements.portsRemedy ? { portsRemedy: platform.requirements.portsRemedy } : {}),
    portFlags: portFlags(platform, answers),
    dataDir: answers.dataDir,
    project: deps.env.projectName(answers.name),
    installed: record !== undefined,
    otherInstalls,
    readiness,
  };
  return { checks, checkInput, readiness };
}

/** The flags that move this install's ports: the app port (unless the platform serves fixed ports), its host ports. */
function portFlags(platform: Platform, answers: InstallAnswers): Record<number, string> {
  const out: Record<number, string> = {};
  if (!platform.ownTls) out[answers.port] = '--port';
  for (const hp of platform.requirements.hostPorts ?? []) {
    const flag = platform.questions.find((q) => q.key === hp.key)?.flag;
    const port = Number(answers.extra[hp.key] ?? hp.default);
    if (flag && Number.isInteger(port)) out[port] = flag;
  }
  return out;
}

/**
 * The chosen platform's checks (memory, disk, ports, DNS, ...), with the host fixes they offer. `early` holds the
 * outcomes the questions already judged (the check right after the answer it reads): shown, not run again.
 */
export async function checkPlatform(
  deps: Deps,
  resolved: Resolved,
  ui: Pick<Screens, 'confirm' | 'showChecks'>,
  platform: Platform,
  answers: InstallAnswers,
  record: InstallRecord | undefined,
  early: CheckOutcome[] = [],
) {
  const { term } = deps;
  const { confirm, showChecks } = ui;
  const { checks, checkInput, readiness } = platformChecks(deps, platform, answers, record);
  const toRun = checks.filter((c) => !early.some((o) => o.id === c.id));
  // Checks judged during the questions are not shown again; they count as they were judged.
  const ran = await showChecks(term, `Checking requirements for ${platform.title}`, toRun, (onResult) =>
    runChecks(toRun, deps.probe, checkInput, {
      ignore: resolved.ignoreChecks,
      onResult,
      timeoutMs: 20_000,
    }),
  );
  let platformOutcomes = [...early, ...ran];
  // Closed firewall ports and missing swap: offered, never done silently; what changed goes to the state.
  const hostFixes = await offerHostFixes(deps, platformOutcomes, {
    yes: resolved.yes,
    dryRun: resolved.dryRun,
    ports: readiness.publicPorts ?? [],
    memoryMiB: platform.requirements.memoryMiB,
    confirm: (m) => confirm(term, m),
  });
  if (hostFixes.firewall) {
    const again = checks.filter((c) => c.id === 'firewall' || c.id === 'reachability');
    const outcomes = await showChecks(term, 'Checking the firewall again', again, (onResult) =>
      runChecks(again, deps.probe, checkInput, {
        ignore: resolved.ignoreChecks,
        onResult,
        timeoutMs: 20_000,
      }),
    );
    platformOutcomes = platformOutcomes.map((o) => outcomes.find((n) => n.id === o.id) ?? o);
  }
  failOnBlocking(platformOutcomes, deps);
  // Data an earlier install of this name left (earlier-data.ts): the run knows its first admin is that one's.
  const keptData = platformOutcomes.some((o) => o.id === 'earlier-data' && o.status === 'warn');
  return { hostFixes, keptData };
}

/**
 * With --offline, looks up the images the plan starts that are not on this host, before anything is written. It
 * starts as soon as the plan is known and runs while the other checks do (a clone, `docker compose config` and a
 * lookup: the slowest check); checkOfflineImages reports it. Never rejects.
 */
export function lookUpOfflineImages(
  deps: Deps,
  platform: Platform,
  answers: InstallAnswers,
  plan: { files: FileSpec[] },
  project: string,
): Promise<ImagesVerdict> | undefined {
  if (!answers.offline) return undefined;
  return (async () => {
    const { missingImages } = await import('../../system/images.js');
    const cloned = await deps.files.exists(`${answers.dataDir}/.git`);
    return missingImages(
      deps.runner,
      plan,
      [
        {
          dir: answers.dataDir,
          composeFiles: platform.composeFiles,
          ...(platform.repo
            ? {
                clone: {
                  // An existing clone answers offline; else the repository (a local mirror works offline too).
                  url: cloned ? deps.files.real(answers.dataDir) : answers.repoUrl,
                  branch: platform.repo.branch,
                },
              }
            : {}),
        },
      ],
      project,
      answers.tls === 'none' || platform.ownTls ? [] : [proxy.image],
    );
  })().catch(
    (e: unknown): ImagesVerdict => ({
      known: false,
      reason: e instanceof Error ? e.message : String(e),
    }),
  );
}

/**
 * --offline's images (lookUpOfflineImages): those not on this host are refused (exit 3) with the list and how to
 * load them, unless --ignore-check images.
 */
export async function checkOfflineImages(
  deps: Deps,
  resolved: Resolved,
  lookup: Promise<ImagesVerdict> | undefined,
): Promise<void> {
  if (!lookup) return;
  const verdict = await lookup;
  const outcome: CheckOutcome = {
    id: 'images',
    title: 'Images',
    ...(!verdict.known
      ? {
          status: 'warn',
          detail: `can't list them before the install: ${verdict.reason}`,
          remedy: 'They are looked for when the containers start (--offline: nothing is downloaded).',
        }
      : verdict.missing.length === 0
        ? { status: 'ok', detail: `all ${verdict.images.length} on this host (--offline)` }
        : {
            status: 'fail',
            detail: `not on this host (--offline): ${verdict.missing.join(', ')}`,
            remedy:
              'Load them first (docker load -i FILE, from a machine that has them: docker save IMAGE -o FILE), or drop --offline.',
          }),
    ...(verdict.known && verdict.missing.length > 0 && resolved.ignoreChecks.includes('images')
      ? { ignored: true }
      : {}),
  };
  if (verdict.known) deps.log.info(`images: ${verdict.images.join(', ')}`);
  const { printOutcomes } = await import('../../ui/screens.js');
  printOutcomes(deps.term.stderr, [outcome]);
  failOnBlocking([outcome], deps);
}

function failOnBlocking(outcomes: CheckOutcome[], deps: Deps): void {
  for (const o of outcomes) {
    deps.log.info(
      `check ${o.id}: ${o.status}${o.ignored ? ' (ignored by --ignore-check)' : ''}: ${o.detail}`,
    );
    if (o.ignored) deps.log.warn(`check ${o.id} failed and was ignored (--ignore-check ${o.id})`);
  }
  const blocking = blockingFailures(outcomes);
  if (blocking.length === 0) return;
  const first = blocking[0] as CheckOutcome;
  throw new PrerequisiteError(
    `${blocking.length === 1 ? 'A prerequisite is' : `${blocking.length} prerequisites are`} not met: ${blocking.map((b) => `${b.title} (${b.detail})`).join('; ')}`,
    `${first.remedy ?? ''} To go on anyway: ${blocking.map((b) => `--ignore-check ${b.id}`).join(' ')}`.trim(),
  );
}
