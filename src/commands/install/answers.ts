import {
  answersFromEnv,
  parseAnswersFile,
  type RawAnswers,
  resolveAnswers,
  withDefaults,
} from '../../core/answers.js';
import { validateDomain, validateEmail } from '../../core/domain.js';
import { UserError } from '../../core/errors.js';
import type { InstallAnswers, Platform } from '../../core/platform.js';
import type { InstallRecord } from '../../system/state.js';
import type { Deps } from '../deps.js';
import { type InstallReleases, releaseFromFeed, withReleases } from './releases.js';

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
  const sources = [cliFlags, answersFromEnv(deps.env.env, extraEnv), fileAnswers];
  let resolved: ReturnType<typeof resolveAnswers> & { releaseNote?: string } = resolveAnswers(
    sources,
    deps.platforms,
    { fileName: flags.answers, fileKeys },
  );
  // A --version the shipped list does not have may be a newer release of a series the feed knows.
  const feedRelease = await releaseFromFeed(deps, resolved, sources, { fileName: flags.answers, fileKeys });
  if (feedRelease) resolved = feedRelease;
  if (resolved.errors.length > 0) {
    const first = resolved.errors[0];
    const more = resolved.errors.slice(1).map((e) => `${e.error} ${e.remedy}`);
    throw new UserError([first?.error, ...more].join('\n'), first?.remedy);
  }
  return resolved;
}

export type Resolved = Awaited<ReturnType<typeof gatherAnswers>>;

/**
 * Asks what no flag, env var or answers file gave, then settles the answers: the record of an existing install
 * fills the rest, and a new install gets free host ports. `notes` are shown in the review.
 */
export async function settleAnswers(
  deps: Deps,
  ask: typeof import('../../ui/screens.js').ask,
  resolved: Resolved,
  fromRecord: InstallRecord | undefined,
  releaseLists?: Promise<Map<string, InstallReleases>>,
  /** Told the platform and release as soon as the questions settle them (the images are pulled meanwhile). */
  known?: (platform: string | undefined, version: string | undefined) => void,
): Promise<{
  platform: Platform;
  record: InstallRecord | undefined;
  answers: InstallAnswers;
  portNotes: string[];
}> {
  const { log, term } = deps;
  const given = resolved.answers;
  const state = deps.state();
  const interactive = term.interactive;
  // The version question offers each platform's release list (feed, cache or shipped), fetched meanwhile.
  const lists = interactive && releaseLists ? await releaseLists : undefined;
  for (const [id, list] of lists ?? []) deps.platforms = withReleases(deps.platforms, id, list.releases);
  const asked = interactive ? await askMissing(deps, ask, given, fromRecord, resolved.yes, lists, known) : {};
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
  return { platform, record, answers, portNotes };
}

function recordAnswers(r: InstallRecord | undefined): Partial<InstallAnswers> {
  if (!r) return {};
  return { name: r.name, dataDir: r.dataDir, tls: r.tls, port: r.port, repoUrl: r.repoUrl };
}

async function askMissing(
  deps: Deps,
  ask: typeof import('../../ui/screens.js').ask,
  given: Partial<InstallAnswers>,
  record: InstallRecord | undefined,
  yes: boolean,
  lists?: Map<string, InstallReleases>,
  known?: (platform: string | undefined, version: string | undefined) => void,
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
      // The release is settled from here on (answered, given, or the default): its images can come.
      if (given.version || v.version !== undefined || yes || record)
        known?.(platform.id, v.version ?? given.version ?? record?.release);
      if (yes || record) return undefined;
      if (!given.version && v.version === undefined) {
        const tested = platform.releases.find((r) => r.tested) ?? platform.releases[0];
        const list = lists?.get(platform.id);
        return {
          key: 'version',
          kind: 'select',
          // A feed that did not answer says so: the list is the cached or the shipped one.
          message: list?.fellBack
            ? `${platform.title} release (release list: ${list.sourceText}):`
            : `${platform.title} release:`,
          initial: tested?.version,
          choices: platform.releases.map((r) => ({
            value: r.version,
            name: r.version,
            description:
              r.version === tested?.version
                ? 'tested, recommended'
                : r.tested
                  ? 'tested'
                  : list && !list.shipped.some((s) => s.version === r.version)
                    ? 'untested (from the release feed)'
                    : '',
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
