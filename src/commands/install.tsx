import { PROXY_PORTS, proxyProject } from '../../steps/proxy/index.js';
import {
  answersFromEnv,
  missingAnswersError,
  parseAnswersFile,
  type RawAnswers,
  resolveAnswers,
  withDefaults,
} from '../core/answers.js';
import { blockingFailures, type CheckOutcome, hostChecks, installChecks, runChecks } from '../core/checks.js';
import type { InstallContext, Journal } from '../core/context.js';
import { validateDomain, validateEmail } from '../core/domain.js';
import { parseEnv } from '../core/envfile.js';
import {
  CancelledError,
  PrerequisiteError,
  StepFailedError,
  UserError,
  WizardError,
} from '../core/errors.js';
import type { InstallAnswers, Platform } from '../core/platform.js';
import { platformReadiness, withReadinessChecks } from '../core/readiness-checks.js';
import type { InstallRecord } from '../system/state.js';
import { heading } from '../ui/heading.js';
import type { Deps } from './deps.js';
import { DOCKER_SCRIPT_URL, installDocker } from './docker-install.js';
import { buildPlan, reviewProps } from './plan.js';
import { offerHostFixes, withAttempt } from './readiness.js';
import { taskList } from './task-list.js';

export interface InstallFlags extends RawAnswers {
  answers?: string;
}

/** Reads flags, env vars and the answers file; bad input fails here, before anything is looked at or changed. */
async function gatherAnswers(flags: InstallFlags, deps: Deps) {
  const extraEnv = deps.platforms.flatMap((p) => p.questions.map((q) => ({ key: q.key, env: q.env })));
  let fileAnswers: RawAnswers = {};
  let fileKeys: string[] = [];
  if (flags.answers) {
    const text =
      (await deps.files.readText(flags.answers).catch(() => undefined)) ??
      (await import('node:fs/promises')
        .then((fs) => fs.readFile(flags.answers as string, 'utf8'))
        .catch(() => undefined));
    if (text === undefined)
      throw new UserError(
        `Can't read the answers file ${flags.answers}.`,
        'Check the path; the file is YAML or JSON.',
      );
    const yaml = await import('yaml');
    // The bundle may hand back yaml's CommonJS build, whose functions sit on `default`.
    const parse = (yaml.parse ?? (yaml as unknown as { default: typeof yaml }).default.parse) as (
      t: string,
      o: { logLevel: 'error' },
    ) => unknown;
    // logLevel error: an odd tag (`!x`) is read as plain text, without a Node warning on stderr.
    fileAnswers = parseAnswersFile(text, flags.answers, (t) => parse(t, { logLevel: 'error' }));
    fileKeys = Object.keys(fileAnswers);
  }
  const { answers: _file, ...cliFlags } = flags;
  const resolved = resolveAnswers(
    [cliFlags, answersFromEnv(deps.env.env, extraEnv), fileAnswers],
    deps.platforms,
    { fileName: flags.answers, fileKeys },
  );
  if (resolved.errors.length > 0) {
    const first = resolved.errors[0];
    const more = resolved.errors.slice(1).map((e) => `${e.error} ${e.remedy}`);
    throw new UserError([first?.error, ...more].join('\n'), first?.remedy);
  }
  return resolved;
}

function journalFor(deps: Deps, name: string, record: InstallRecord | undefined): Journal {
  const completed = new Set(Object.keys(record?.journal ?? {}));
  return {
    completed,
    async done(step) {
      completed.add(step);
      const r = deps.state().get(name);
      if (r) await deps.state().update(name, { journal: { ...r.journal, [step]: new Date().toISOString() } });
    },
  };
}

export async function installCommand(flags: InstallFlags, deps: Deps): Promise<void> {
  const { term, log } = deps;
  const resolved = await gatherAnswers(flags, deps);
  const given = resolved.answers;
  const interactive = term.interactive;
  const state = deps.state();

  // An existing install of the same name is repaired: what it recorded fills what was not given.
  const byName = given.name ? state.get(given.name) : given.platform ? state.get(given.platform) : undefined;
  const fromRecord = byName && (!given.platform || byName.platform === given.platform) ? byName : undefined;
  const missing = resolved.missing.filter((k) => !(fromRecord && k in { platform: 1, domain: 1, email: 1 }));
  if (missing.length > 0 && !interactive) throw missingAnswersError(missing);

  // The first frame: the heading goes out before Ink loads.
  term.stderr.write(heading('Checking this server', term.stderr, deps.env.env));
  const [{ ask, confirm, printStatic, showChecks }, { Review }, { Summary }] = await Promise.all([
    import('../ui/screens.js'),
    import('../ui/Review.js'),
    import('../ui/Summary.js'),
  ]);
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

  // Questions: only what no flag, env var or answers file gave.
  const asked = interactive ? await askMissing(deps, ask, given, fromRecord, resolved.yes) : {};
  const platformId = (asked.platform ?? given.platform ?? fromRecord?.platform) as string;
  const platform = deps.platforms.find((p) => p.id === platformId) as Platform;
  const record = state.get(given.name ?? fromRecord?.name ?? platform.id);
  const answers = withDefaults(
    {
      ...recordAnswers(record),
      ...given,
      platform: platform.id,
      domain: asked.domain ?? given.domain ?? record?.domain ?? '',
      email: asked.email ?? given.email ?? record?.email ?? '',
      ...(asked.version
        ? { version: asked.version }
        : given.version
          ? {}
          : record
            ? { version: record.release }
            : {}),
      ...(asked.dataDir ? { dataDir: asked.dataDir } : {}),
      extra: {
        ...(record?.platform === platform.id ? record.extra : {}),
        ...given.extra,
        ...Object.fromEntries(
          platform.questions.filter((q) => asked[q.key]).map((q) => [q.key, asked[q.key] as string]),
        ),
      },
    },
    platform,
  );
  // The platform chosen at the question may refuse what the flags said (resolveAnswers judged them if it knew it).
  const refused = platform.validateAnswers?.(answers) ?? [];
  if (refused[0]) throw new UserError(refused.map((e) => e.error).join('\n'), refused[0].remedy);
  for (const q of platform.questions)
    if (q.secret && answers.extra[q.key]) log.addSecret(answers.extra[q.key] as string);
  // A second install on this host gets the next free app port when none was asked for (Rocket.Chat and
  // Mastodon both default to 3000), and says so in the review.
  const portNotes: string[] = [];
  if (given.port === undefined && !record) {
    const taken = new Set(state.installs().flatMap((i) => [i.port]));
    const wanted = answers.port;
    while (
      taken.has(answers.port) ||
      (answers.port !== wanted && (await deps.probe.portHolder(answers.port)))
    )
      answers.port++;
    if (answers.port !== wanted)
      portNotes.push(
        `Port ${wanted} belongs to another install on this host: this one uses ${answers.port} (--port sets it).`,
      );
  }
  // The platform's other published ports (e.g. Rocket.Chat's MongoDB on loopback) move along the same way.
  if (!record) {
    for (const hp of platform.requirements.hostPorts ?? []) {
      if (answers.extra[hp.key]) continue;
      const taken = new Set(
        state
          .installs()
          .filter((i) => i.platform === platform.id)
          .map((i) => Number(i.extra?.[hp.key] ?? hp.default)),
      );
      let p = hp.default;
      while (taken.has(p) || (p !== hp.default && (await deps.probe.portHolder(p)))) p++;
      answers.extra[hp.key] = String(p);
      if (p !== hp.default)
        portNotes.push(
          `The ${hp.what} port ${hp.default} belongs to another install on this host: this one uses ${p}.`,
        );
    }
  }
  log.info(`answers: ${JSON.stringify({ ...answers, extra: answers.extra })}`);

  const project = deps.env.projectName(answers.name);
  const proxyProj = proxyProject(deps.env.projectName);
  const allowed = new Map<number, string>();
  if (record)
    for (const p of platform.requirements.ports(answers)) allowed.set(p, `this install's containers`);
  const proxyUsed = state
    .installs()
    .some((i) => i.tls !== 'none' && !deps.platforms.find((p) => p.id === i.platform)?.ownTls);
  if (proxyUsed && !platform.ownTls) for (const p of PROXY_PORTS) allowed.set(p, "the wizard's proxy");
  const ports = [
    ...platform.requirements.ports(answers),
    ...(answers.tls === 'none' || platform.ownTls ? [] : PROXY_PORTS),
  ];
  const checks = withReadinessChecks(
    [
      ...installChecks.filter((c) => !platform.checks?.some((own) => own.id === c.id)),
      ...(platform.checks ?? []),
    ],
    answers,
  );
  const readiness = platformReadiness(platform, answers, {
    ...(record?.readiness?.leAttempts ? { leAttempts: record.readiness.leAttempts } : {}),
  });
  const otherInstalls = state
    .installs()
    .filter((i) => i.name !== answers.name)
    .map((i) => ({ name: i.name, platform: i.platform, tls: i.tls, domain: i.domain }));
  const checkInput = {
    databases: [platform.database ?? 'none'],
    answers,
    memoryMiB: platform.requirements.memoryMiB,
    diskGiB: platform.requirements.diskGiB,
    ports,
    allowedPortHolders: allowed,
    ...(platform.requirements.portNames ? { portNames: platform.requirements.portNames } : {}),
    ...(platform.requirements.portsRemedy ? { portsRemedy: platform.requirements.portsRemedy } : {}),
    dataDir: answers.dataDir,
    otherInstalls,
    readiness,
  };
  let platformOutcomes = await showChecks(
    term,
    `Checking requirements for ${platform.title}`,
    checks,
    (onResult) =>
      runChecks(checks, deps.probe, checkInput, {
        ignore: resolved.ignoreChecks,
        onResult,
        timeoutMs: 20_000,
      }),
  );
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
    const now = new Date().toISOString();
    await state.put({
      name: answers.name,
      platform: platform.id,
      domain: answers.domain,
      email: answers.email,
      dataDir: answers.dataDir,
      release: record?.release ?? answers.version,
      tls: answers.tls,
      port: answers.port,
      repoUrl: answers.repoUrl,
      project,
      composeFiles: platform.composeFiles,
      status: record?.status === 'installed' ? 'installed' : 'installing',
      journal: record?.journal ?? {},
      createdAt: record?.createdAt ?? now,
      updatedAt: now,
      ...(record?.installedAt ? { installedAt: record.installedAt } : {}),
      extra: Object.fromEntries(
        Object.entries(answers.extra).filter(([k]) => !platform.questions.find((q) => q.key === k)?.secret),
      ),
      ...(record?.readiness || Object.keys(hostFixes).length
        ? {
            readiness: {
              ...record?.readiness,
              ...hostFixes,
              ...(hostFixes.firewall
                ? { firewall: [...(record?.readiness?.firewall ?? []), ...hostFixes.firewall] }
                : {}),
            },
          }
        : {}),
    });
  }

  const ctx: InstallContext = {
    answers,
    platform,
    plan,
    project,
    proxyProject: proxyProj,
    projectDir: answers.dataDir,
    composeFiles: platform.composeFiles,
    dryRun: resolved.dryRun,
    runner: deps.runner,
    files: deps.files,
    http: deps.http,
    log,
    journal: journalFor(deps, answers.name, record),
    probe: deps.probe,
    templates: deps.templates,
    notes: [],
    readyTimeoutSeconds: deps.env.readyTimeoutSeconds ?? platform.readiness.timeoutSeconds,
    pollIntervalMs: deps.env.pollIntervalMs,
  };
  const firstAdminShown = !record?.journal.admin;
  // Progress goes to stderr, whichever renderer draws it: stdout is for the summary.
  const tasks = await taskList(platform.install(ctx), ctx, term);
  try {
    await tasks.run();
  } catch (e) {
    const failed = tasks.tasks.find((t) => t.hasFailed());
    const step = failed?.title ?? 'install';
    if (!resolved.dryRun)
      await state.update(answers.name, {
        status: record?.status === 'installed' ? 'installed' : 'failed',
        lastError: `${step}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
        ...(answers.tls === 'letsencrypt'
          ? { readiness: withAttempt(state.get(answers.name)?.readiness, false) }
          : {}),
      });
    if (e instanceof CancelledError) throw e;
    const remedy =
      e instanceof WizardError && e.remedy
        ? e.remedy
        : 'Fix the cause above, then run the same command again: finished steps are kept.';
    throw new StepFailedError(step, e, remedy);
  }
  if (resolved.dryRun) {
    term.stderr.write('Dry run: nothing was changed.\n');
    return;
  }
  await state.update(answers.name, {
    status: 'installed',
    release: ctx.readyVersion ?? answers.version,
    lastError: undefined,
    installedAt: record?.installedAt ?? new Date().toISOString(),
    ...(answers.tls === 'letsencrypt'
      ? { readiness: withAttempt(state.get(answers.name)?.readiness, true) }
      : {}),
  });

  const envText = (await deps.files.readText(platform.envFile?.(answers) ?? `${answers.dataDir}/.env`)) ?? '';
  const summary = platform.summary(answers, parseEnv(envText).values, deps.env.hostPath);
  const { default: terminalLink } = await import('terminal-link');
  // The QR code only means something on a screen: not drawn (nor its library loaded) for a pipe or a log.
  const qr = term.stdout.isTTY
    ? await import('qrcode')
        .then((m) => m.default.toString(summary.url, { type: 'terminal', small: true }))
        .catch(() => undefined)
    : undefined;
  printStatic(
    <Summary
      title={platform.title}
      version={ctx.readyVersion ?? answers.version}
      url={summary.url}
      link={terminalLink(summary.url, summary.url, { fallback: (_t, url) => url })}
      {...(qr ? { qr } : {})}
      {...(summary.login ? { login: summary.login } : {})}
      {...(summary.action ? { action: summary.action } : {})}
      showPassword={firstAdminShown}
      logPath={log.path}
      notes={[...ctx.notes, ...summary.notes]}
    />,
    term.stdout,
  );
  // A browser only where a desktop session runs this terminal (never over SSH).
  if (deps.env.desktop && interactive)
    await deps.runner
      .run({ file: 'xdg-open', args: [summary.url], reject: false, timeoutMs: 5000 })
      .catch(() => undefined);
}

function recordAnswers(r: InstallRecord | undefined): Partial<InstallAnswers> {
  if (!r) return {};
  return { name: r.name, dataDir: r.dataDir, tls: r.tls, port: r.port, repoUrl: r.repoUrl };
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

async function askMissing(
  deps: Deps,
  ask: typeof import('../ui/screens.js').ask,
  given: Partial<InstallAnswers>,
  record: InstallRecord | undefined,
  yes: boolean,
): Promise<Record<string, string>> {
  const platforms = deps.platforms;
  const tlsNone = given.tls === 'none';
  return ask(
    deps.term,
    (v) => {
      const platform = platforms.find((p) => p.id === (v.platform ?? given.platform ?? record?.platform));
      if (!platform) {
        return {
          key: 'platform',
          kind: 'select',
          message: 'Which chat platform?',
          choices: platforms.map((p) => ({ value: p.id, name: p.title, description: p.description })),
        };
      }
      if (!given.domain && !record?.domain && v.domain === undefined) {
        return {
          key: 'domain',
          kind: 'text',
          message: 'Domain:',
          validate: (s) => validateDomain(s, { allowLocal: tlsNone }),
        };
      }
      if (!given.email && !record?.email && v.email === undefined) {
        return {
          key: 'email',
          kind: 'text',
          message: "Email (for Let's Encrypt and the admin account):",
          validate: validateEmail,
        };
      }
      if (yes || record) return undefined;
      if (!given.version && v.version === undefined) {
        const tested = platform.releases.find((r) => r.tested) ?? platform.releases[0];
        return {
          key: 'version',
          kind: 'select',
          message: `${platform.title} release:`,
          initial: tested?.version,
          choices: platform.releases.map((r) => ({
            value: r.version,
            name: r.version,
            description: r.version === tested?.version ? 'tested, recommended' : r.tested ? 'tested' : '',
          })),
        };
      }
      if (!given.dataDir && v.dataDir === undefined) {
        return {
          key: 'dataDir',
          kind: 'text',
          message: 'Data directory:',
          initial: platform.defaultDataDir,
          validate: (s) =>
            s.startsWith('/') && !s.includes('..')
              ? { ok: true, value: s.replace(/\/+$/, '') }
              : {
                  ok: false,
                  error: `"${s}" is not an absolute path.`,
                  remedy: `Use e.g. ${platform.defaultDataDir}.`,
                },
        };
      }
      for (const q of platform.questions) {
        if (q.when && !q.when({ ...given.extra, ...v })) continue;
        if (given.extra?.[q.key] === undefined && v[q.key] === undefined) {
          return {
            key: q.key,
            kind: q.choices ? 'select' : 'text',
            message: q.message,
            ...(q.choices ? { choices: q.choices } : {}),
            ...(q.default ? { initial: q.default } : {}),
            ...(q.validate ? { validate: q.validate } : {}),
            ...(q.secret ? { secret: true } : {}),
          };
        }
      }
      return undefined;
    },
    (key, value) => (key === 'platform' ? (platforms.find((p) => p.id === value)?.title ?? value) : value),
  );
}
