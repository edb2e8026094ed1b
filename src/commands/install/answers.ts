import {
  answersFromEnv,
  judgeExtras,
  parseAnswersFile,
  type RawAnswers,
  resolveAnswers,
  withDefaults,
} from '../../core/answers.js';
import { UserError } from '../../core/errors.js';
import { type DataDirContext, validateDataDir } from '../../core/paths.js';
import type { InstallAnswers, Platform } from '../../core/platform.js';
import { urlSecrets } from '../../core/redact.js';
import { pathFacts } from '../../system/files.js';
import type { InstallRecord } from '../../system/state.js';
import type { Deps } from '../deps.js';
import { checkIds, readCapped } from './limits.js';
import { releaseFromFeed } from './releases.js';

export { checkIds };

/** The install's answers phase: flags, env vars and the answers file first, then the questions. */

export interface InstallFlags extends RawAnswers {
  answers?: string;
}

/** Reads flags, env vars and the answers file; bad input fails here, before anything is looked at or changed. */
export async function gatherAnswers(flags: InstallFlags, deps: Deps) {
  const extraEnv = deps.platforms.flatMap((p) => p.questions.map((q) => ({ key: q.key, env: q.env })));
  let fileAnswers: RawAnswers = {};
  let fileKeys: string[] = [];
  if (flags.answers) {
    const text =
      (await readCapped(deps.files.real(flags.answers), flags.answers)) ??
      (await readCapped(flags.answers, flags.answers));
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
  const sources = [cliFlags, answersFromEnv(deps.env.env, extraEnv), fileAnswers];
  // Secret answers are known to the redactor before anything can quote them (an error, the log, the review).
  for (const q of deps.platforms.flatMap((p) => p.questions).filter((q) => q.secret))
    for (const s of sources) if (typeof s[q.key] === 'string') deps.log.addSecret(s[q.key] as string);
  for (const s of sources)
    if (typeof s.repoUrl === 'string') for (const v of urlSecrets(s.repoUrl)) deps.log.addSecret(v);
  const resolveOpts = {
    ...(flags.answers ? { fileName: flags.answers } : {}),
    fileKeys,
    kinds: ['flag', 'env', 'file'] as ('flag' | 'env' | 'file')[],
    checkIds: checkIds(deps.platforms),
    dataDir: dataDirContext(deps),
  };
  let resolved: ReturnType<typeof resolveAnswers> & { releaseNote?: string } = resolveAnswers(
    sources,
    deps.platforms,
    resolveOpts,
  );
  // A --version the shipped list does not have may be a newer release of a series the feed knows.
  const feedRelease = await releaseFromFeed(deps, resolved, sources, resolveOpts);
  if (feedRelease) resolved = feedRelease;
  if (resolved.errors.length > 0) {
    const first = resolved.errors[0];
    const more = resolved.errors.slice(1).map((e) => `${e.error} ${e.remedy}`);
    throw new UserError([first?.error, ...more].join('\n'), first?.remedy);
  }
  return resolved;
}

export type Resolved = Awaited<ReturnType<typeof gatherAnswers>>;

/** What the data dir's validation looks at: the folder as it is now, and which install the state records there. */
export function dataDirContext(deps: Deps): Omit<DataDirContext, 'name'> {
  return {
    facts: pathFacts(deps.env.root, deps.env.hostPath),
    recordedBy: (path) =>
      deps
        .state()
        .installs()
        .find((i) => i.dataDir === path)?.name,
  };
}

/**
 * Settles the answers: what was asked (`asked`, from the questions), over flags, env vars and the answers file,
 * over the record of an existing install; a new install gets free host ports. A platform picked at the question
 * judges the flags given before it: one that does not apply to it is refused (exit 2), never dropped.
 * `notes` are shown in the review.
 */
export async function composeAnswers(
  deps: Deps,
  resolved: Resolved,
  fromRecord: InstallRecord | undefined,
  asked: Record<string, string> = {},
  opts: { quiet?: boolean } = {},
): Promise<{
  platform: Platform;
  record: InstallRecord | undefined;
  answers: InstallAnswers;
  portNotes: string[];
}> {
  const { log } = deps;
  const given = resolved.answers;
  const state = deps.state();
  const platformId = (asked.platform ?? given.platform ?? fromRecord?.platform) as string;
  const platform = deps.platforms.find((p) => p.id === platformId) as Platform;
  refuseInapplicable(deps, resolved, platform);
  const record = state.get(given.name ?? fromRecord?.name ?? platform.id);
  const extra = judgeExtras(platform, given.extra ?? {}, deps.platforms, resolved.origins).extra;
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
      ...(asked.port ? { port: Number(asked.port) } : {}),
      extra: {
        ...(record?.platform === platform.id ? record.extra : {}),
        ...extra,
        ...Object.fromEntries(
          platform.questions.filter((q) => asked[q.key]).map((q) => [q.key, asked[q.key] as string]),
        ),
      },
    },
    platform,
  );
  // The data dir as it will be used (a default or the record's too): the same validation as an answer.
  // (Not while the questions run: the data dir question judges it the same way when it comes.)
  const dir = opts.quiet
    ? undefined
    : validateDataDir(answers.dataDir, { ...dataDirContext(deps), name: answers.name });
  if (dir && !dir.ok) throw new UserError(dir.error, `${dir.remedy} (--data-dir)`);
  for (const q of platform.questions)
    if (q.secret && answers.extra[q.key]) log.addSecret(answers.extra[q.key] as string);
  for (const v of urlSecrets(answers.repoUrl)) log.addSecret(v);
  const portNotes = await allocatePorts(deps, platform, answers, {
    portGiven: given.port !== undefined || asked.port !== undefined,
    fixed: [...Object.keys(extra), ...Object.keys(asked)],
    record,
  });
  // Secret answers are not logged at all (the redactor would mask them; this keeps even their length out).
  const secretKeys = new Set(platform.questions.filter((q) => q.secret).map((q) => q.key));
  const loggable = {
    ...answers,
    extra: Object.fromEntries(
      Object.entries(answers.extra).map(([k, v]) => [k, secretKeys.has(k) && v ? '(secret)' : v]),
    ),
  };
  if (!opts.quiet) log.info(`answers: ${JSON.stringify(loggable)}`);
  return { platform, record, answers, portNotes };
}

/**
 * Refuses (exit 2) an answer given for another platform, or one this platform can't take (e.g. --tls none for
 * the chatmail relay), once the platform is known: picked at the question, given, or recorded.
 */
export function refuseInapplicable(deps: Deps, resolved: Resolved, platform: Platform): void {
  const given = resolved.answers;
  const refused = [
    ...judgeExtras(platform, given.extra ?? {}, deps.platforms, resolved.origins).errors,
    ...(platform.validateAnswers?.({ ...given, platform: platform.id }) ?? []),
  ];
  if (refused[0])
    throw new UserError(
      refused.map((e) => e.error).join('\n'),
      refused
        .map((e) => e.remedy)
        .filter((r, i, all) => all.indexOf(r) === i)
        .join(' '),
    );
}

/**
 * A second install on this host gets the next free app port when none was asked for (Rocket.Chat and Mastodon
 * both default to 3000), and the platform's other published ports (e.g. Rocket.Chat's MongoDB on loopback)
 * move along the same way. Returns the notes the review shows.
 */
export async function allocatePorts(
  deps: Deps,
  platform: Platform,
  answers: InstallAnswers,
  opts: { portGiven: boolean; fixed: string[]; record: InstallRecord | undefined },
): Promise<string[]> {
  const state = deps.state();
  const notes: string[] = [];
  if (opts.record) return notes;
  if (!opts.portGiven) {
    const taken = new Set(state.installs().flatMap((i) => [i.port]));
    const wanted = answers.port;
    while (
      taken.has(answers.port) ||
      (answers.port !== wanted && (await deps.probe.portHolder(answers.port)))
    )
      answers.port++;
    if (answers.port !== wanted)
      notes.push(
        `Port ${wanted} belongs to another install on this host: this one uses ${answers.port} (--port sets it).`,
      );
  }
  for (const hp of platform.requirements.hostPorts ?? []) {
    if (opts.fixed.includes(hp.key)) continue;
    const taken = new Set(
      state
        .installs()
        .filter((i) => i.platform === platform.id)
        .map((i) => Number(i.extra?.[hp.key] ?? hp.default)),
    );
    const flag = platform.questions.find((q) => q.key === hp.key)?.flag;
    let p = hp.default;
    while (taken.has(p) || (p !== hp.default && (await deps.probe.portHolder(p)))) p++;
    answers.extra[hp.key] = String(p);
    if (p !== hp.default)
      notes.push(
        `The ${hp.what} port ${hp.default} belongs to another install on this host: this one uses ${p}${flag ? ` (${flag} sets it)` : ''}.`,
      );
  }
  return notes;
}

function recordAnswers(r: InstallRecord | undefined): Partial<InstallAnswers> {
  if (!r) return {};
  return { name: r.name, dataDir: r.dataDir, tls: r.tls, port: r.port, repoUrl: r.repoUrl };
}
