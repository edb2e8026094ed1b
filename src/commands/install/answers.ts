import {
  answersFromEnv,
  parseAnswersFile,
  type RawAnswers,
  resolveAnswers,
  withDefaults,
} from '../../core/answers.js';
import { validateDomain, validateEmail } from '../../core/domain.js';
import { UserError } from '../../core/errors.js';
import { type DataDirContext, validateDataDir } from '../../core/paths.js';
import type { InstallAnswers, Platform } from '../../core/platform.js';
import { urlSecrets } from '../../core/redact.js';
import { pathFacts } from '../../system/files.js';
import type { InstallRecord } from '../../system/state.js';
import type { Deps } from '../deps.js';
import { capped, checkIds, readCapped } from './limits.js';

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
  const resolved = resolveAnswers(sources, deps.platforms, {
    ...(flags.answers ? { fileName: flags.answers } : {}),
    fileKeys,
    checkIds: checkIds(deps.platforms),
    dataDir: dataDirContext(deps),
  });
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
 * Asks what no flag, env var or answers file gave, then settles the answers: the record of an existing install
 * fills the rest, and a new install gets free host ports. `notes` are shown in the review.
 */
export async function settleAnswers(
  deps: Deps,
  ask: typeof import('../../ui/screens.js').ask,
  resolved: Resolved,
  fromRecord: InstallRecord | undefined,
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
  // The data dir as it will be used (a default or the record's too): the same validation as an answer.
  const dir = validateDataDir(answers.dataDir, { ...dataDirContext(deps), name: answers.name });
  if (!dir.ok) throw new UserError(dir.error, `${dir.remedy} (--data-dir)`);
  // The platform chosen at the question may refuse what the flags said (resolveAnswers judged them if it knew it).
  const refused = platform.validateAnswers?.(answers) ?? [];
  if (refused[0]) throw new UserError(refused.map((e) => e.error).join('\n'), refused[0].remedy);
  for (const q of platform.questions)
    if (q.secret && answers.extra[q.key]) log.addSecret(answers.extra[q.key] as string);
  for (const v of urlSecrets(answers.repoUrl)) log.addSecret(v);
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
  // Secret answers are not logged at all (the redactor would mask them; this keeps even their length out).
  const secretKeys = new Set(platform.questions.filter((q) => q.secret).map((q) => q.key));
  const loggable = {
    ...answers,
    extra: Object.fromEntries(
      Object.entries(answers.extra).map(([k, v]) => [k, secretKeys.has(k) && v ? '(secret)' : v]),
    ),
  };
  log.info(`answers: ${JSON.stringify(loggable)}`);
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
          validate: capped((s) => validateDomain(s, { allowLocal: tlsNone })),
        };
      }
      if (!given.email && !record?.email && v.email === undefined) {
        return {
          key: 'email',
          kind: 'text',
          message: "Email (for Let's Encrypt and the admin account):",
          validate: capped(validateEmail),
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
          validate: capped((s) =>
            validateDataDir(s, {
              ...dataDirContext(deps),
              name: given.name ?? platform.id,
            }),
          ),
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
            validate: capped(q.validate, true),
            ...(q.secret ? { secret: true } : {}),
          };
        }
      }
      return undefined;
    },
    (key, value) => (key === 'platform' ? (platforms.find((p) => p.id === value)?.title ?? value) : value),
  );
}
