/**
 * One validation for flags, WIZARD_* env vars, an answers file and interactive answers. Every source
 * yields the same raw shape; `resolveAnswers` merges them (flag > env > file) and validates once, with
 * the same validators the question screens use.
 */
import {
  capLengths,
  envOf,
  flagOf,
  judgeBooleans,
  judgeEmail,
  judgeIgnoreChecks,
  answerText as text,
} from './answer-rules.js';
import { ANSWER_KEYS, camel, kebab, type RawAnswers } from './answer-sources.js';
import { validateDomain } from './domain.js';
import { envValueProblem } from './envfile.js';
import { UserError } from './errors.js';
import { type DataDirContext, validateDataDir } from './paths.js';
import { type InstallAnswers, type Platform, TLS_MODES, type TlsMode } from './platform.js';

export {
  envOf,
  flagOf,
  MAX_ANSWER_LENGTH,
  MAX_ANSWERS_FILE_BYTES,
  parseBoolean,
} from './answer-rules.js';
export {
  ANSWER_KEYS,
  type AnswerKey,
  answersFromEnv,
  parseAnswersFile,
  type RawAnswers,
} from './answer-sources.js';

export interface Resolved {
  answers: Partial<InstallAnswers>;
  errors: { key: string; error: string; remedy: string }[];
  missing: string[];
  /** How each answer was given, for messages: "--port", "WIZARD_PORT", "\"port\" in answers.yml". */
  origins: Record<string, string>;
  ignoreChecks: string[];
  yes: boolean;
  dryRun: boolean;
}

const VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;
const NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;

/** Merges sources (first wins) and validates each answer; never throws for bad values, it lists them. */
export function resolveAnswers(
  sources: RawAnswers[],
  platforms: Platform[],
  opts: {
    fileName?: string;
    fileKeys?: string[];
    kinds?: ('flag' | 'env' | 'file')[];
    checkIds?: string[];
    dataDir?: Omit<DataDirContext, 'name'>;
  } = {},
): Resolved {
  const raw: RawAnswers = {};
  for (const s of [...sources].reverse())
    for (const [k, v] of Object.entries(s)) if (v !== undefined) raw[k] = v;
  const errors: Resolved['errors'] = [];
  const bad = (key: string, error: string, remedy: string) => errors.push({ key, error, remedy });

  capLengths(raw, bad);
  const bools = judgeBooleans(raw, bad);

  const platformIds = platforms.map((p) => p.id);
  const known = new Set<string>([...ANSWER_KEYS, ...platforms.flatMap((p) => p.questions.map((q) => q.key))]);
  for (const k of opts.fileKeys ?? []) {
    if (!known.has(camel(k)))
      bad(
        k,
        `Unknown key "${k}" in ${opts.fileName ?? 'the answers file'}.`,
        `Known keys: ${[...known].join(', ')}.`,
      );
  }

  const answers: Partial<InstallAnswers> = {};
  const str = (k: string) => (raw[k] === undefined || raw[k] === null ? undefined : text(raw[k]).trim());

  const platformId = str('platform');
  let platform: Platform | undefined;
  if (platformId !== undefined) {
    platform = platforms.find((p) => p.id === platformId.toLowerCase().replace(/[^a-z]/g, ''));
    if (platform) answers.platform = platform.id;
    else
      bad(
        'platform',
        `"${platformId}" is not a platform the wizard installs.`,
        `Choose one of: ${platformIds.join(', ')}.`,
      );
  }

  const tls = str('tls');
  if (tls !== undefined) {
    if ((TLS_MODES as readonly string[]).includes(tls)) answers.tls = tls as TlsMode;
    else bad('tls', `"${tls}" is not a TLS mode.`, `Use --tls ${TLS_MODES.join('|')}.`);
  }
  const tlsMode = answers.tls ?? 'letsencrypt';

  const domain = str('domain');
  if (domain !== undefined) {
    const v = validateDomain(domain, { allowLocal: tlsMode === 'none' });
    if (v.ok) answers.domain = v.value;
    else bad('domain', v.error, v.remedy);
  }
  const email = str('email');
  if (email !== undefined) {
    const v = judgeEmail(email);
    if (v.ok) answers.email = v.value;
    else bad('email', v.error, v.remedy);
  }
  const version = str('version');
  if (version !== undefined) {
    const v = version.replace(/^v/, '');
    if (!VERSION.test(v)) bad('version', `"${version}" is not a release version.`, 'Use the form 8.0.1.');
    else if (platform && !platform.releases.some((r) => r.version === v)) {
      bad(
        'version',
        `${platform.title} ${v} is not a release this wizard knows.`,
        `Known releases: ${platform.releases.map((r) => r.version).join(', ')}.`,
      );
    } else answers.version = v;
  }
  const port = raw.port;
  if (port !== undefined) {
    const n =
      typeof port === 'number'
        ? port
        : /^\d+$/.test(text(port).trim())
          ? Number(text(port).trim())
          : Number.NaN;
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      bad('port', `"${text(port)}" is not a TCP port.`, 'Use a number from 1024 to 65535, e.g. 3000.');
    else if (tlsMode !== 'none' && (n === 80 || n === 443))
      bad('port', `Port ${n} is the proxy's.`, 'Choose another app port, e.g. 3000.');
    else if (n < 1024)
      bad(
        'port',
        `Port ${n} is a system port (below 1024).`,
        'Use a number from 1024 to 65535, e.g. 3000; the proxy serves 80 and 443.',
      );
    else answers.port = n;
  }
  const repoUrl = str('repoUrl');
  if (repoUrl !== undefined) {
    if (repoUrl === '' || /\s/.test(repoUrl))
      bad(
        'repoUrl',
        `"${repoUrl}" is not a repository URL or path.`,
        'Give a git URL (https://..., ssh://...) or a local path.',
      );
    else answers.repoUrl = repoUrl;
  }
  const name = str('name');
  if (name !== undefined) {
    if (NAME.test(name)) answers.name = name;
    else
      bad(
        'name',
        `"${name}" is not a valid install name.`,
        'Use lower-case letters, digits, - and _ (at most 40).',
      );
  }

  // The data dir is judged once the install's name is known (a folder of another install is refused).
  const dataDir = raw.dataDir === undefined || raw.dataDir === null ? undefined : text(raw.dataDir);
  if (dataDir !== undefined) {
    const name = answers.name ?? platform?.id;
    const v = validateDataDir(dataDir, { ...opts.dataDir, ...(name ? { name } : {}) });
    if (v.ok) answers.dataDir = v.value;
    else bad('dataDir', v.error, v.remedy);
  }

  // Every platform's own answers are kept, whichever platform is chosen: judged now when it is known, else
  // when it is picked (judgeExtras), so a flag given before the question is never dropped.
  const extra: Record<string, string> = {};
  for (const key of new Set(platforms.flatMap((p) => p.questions.map((q) => q.key)))) {
    const v = str(key);
    if (v !== undefined) extra[key] = v;
  }
  const origins: Record<string, string> = {};
  for (const key of Object.keys(raw)) {
    const i = sources.findIndex((s) => s[key] !== undefined);
    const q = platforms.flatMap((p) => p.questions).find((x) => x.key === key);
    const kind = opts.kinds?.[i] ?? 'flag';
    origins[key] =
      kind === 'env'
        ? (q?.env ?? envOf(key))
        : kind === 'file'
          ? `"${kebab(key)}" in ${opts.fileName ?? 'the answers file'}`
          : (q?.flag ?? flagOf(key));
  }
  if (platform) {
    const judged = judgeExtras(platform, extra, platforms, origins);
    for (const e of judged.errors) bad(e.key, e.error, e.remedy);
    Object.assign(extra, judged.extra);
    for (const k of Object.keys(extra)) if (!(k in judged.extra)) delete extra[k];
  }
  answers.extra = extra;
  if (bools.offline !== undefined) answers.offline = bools.offline;
  for (const e of platform?.validateAnswers?.(answers) ?? []) bad(e.key, e.error, e.remedy);

  const missing = ['platform', 'domain', 'email'].filter((k) => str(k) === undefined);
  const ignoreChecks = judgeIgnoreChecks(raw.ignoreCheck, opts.checkIds, bad);
  return {
    answers,
    errors,
    missing,
    origins,
    ignoreChecks,
    yes: bools.yes === true,
    dryRun: bools.dryRun === true,
  };
}

/**
 * Judges the platform's own answers once the platform is known: each must be one of its questions (a flag of
 * another platform is refused, naming the platforms it applies to) and pass that question's validation.
 */
export function judgeExtras(
  platform: Platform,
  extra: Record<string, string>,
  platforms: Platform[],
  origins: Record<string, string> = {},
): { extra: Record<string, string>; errors: Resolved['errors'] } {
  const out: Record<string, string> = {};
  const errors: Resolved['errors'] = [];
  for (const [key, v] of Object.entries(extra)) {
    const q = platform.questions.find((x) => x.key === key);
    const name = origins[key] ?? flagOf(key);
    if (!q) {
      const owners = platforms.filter((p) => p.questions.some((x) => x.key === key)).map((p) => p.title);
      errors.push({
        key,
        error: `${name} does not apply to ${platform.title}: it is for ${owners.join(' and ')}.`,
        remedy: `Drop ${name}, or install ${owners.join(' or ')}.`,
      });
    } else if (q.choices && !q.choices.some((c) => c.value === v))
      errors.push({
        key,
        error: `"${v}" is not a choice for ${q.flag}.`,
        remedy: `Choose one of: ${q.choices.map((c) => c.value).join(', ')}.`,
      });
    else if (q.validate) {
      const r = q.validate(v);
      if (r.ok) out[key] = r.value;
      else errors.push({ key, error: r.error, remedy: r.remedy });
    } else out[key] = v;
    // Platform answers go into env files: one no env file can carry is refused here, before anything is written.
    const why = out[key] === undefined ? undefined : envValueProblem(out[key] as string);
    if (why) {
      errors.push({
        key,
        error: `The value of ${q?.flag ?? name} ${why}, which an env file can not carry.`,
        remedy: 'Use a value without \' or without ", $, ` and \\ (and on one line).',
      });
      delete out[key];
    }
  }
  return { extra: out, errors };
}

/** Fills defaults from the platform; the result is complete. */
export function withDefaults(
  a: Partial<InstallAnswers> & { platform: string; domain: string; email: string },
  platform: Platform,
): InstallAnswers {
  const tested = platform.releases.find((r) => r.tested) ?? platform.releases[0];
  const extra = { ...a.extra };
  for (const q of platform.questions)
    if (extra[q.key] === undefined && q.default !== undefined) extra[q.key] = q.default;
  return {
    platform: platform.id,
    name: a.name ?? platform.id,
    domain: a.domain,
    email: a.email,
    version: a.version ?? tested?.version ?? '',
    dataDir: a.dataDir ?? platform.defaultDataDir,
    tls: a.tls ?? 'letsencrypt',
    port: a.port ?? platform.defaultPort,
    repoUrl: a.repoUrl ?? platform.repo?.url ?? '',
    offline: a.offline ?? false,
    extra,
  };
}

export function missingAnswersError(missing: string[]): UserError {
  const list = missing.map((k) => `${flagOf(k)} (or ${envOf(k)})`).join(', ');
  return new UserError(
    `Missing answers and no terminal to ask them: ${list}.`,
    `Pass them as flags, env vars or keys in --answers FILE, e.g. wizard install ${missing.map((k) => `${flagOf(k)} ...`).join(' ')} --yes`,
  );
}
