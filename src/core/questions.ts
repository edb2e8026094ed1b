import { judgeEmail } from './answer-rules.js';
import { type Validation, validateDomain } from './domain.js';
import { type DataDirContext, validateDataDir } from './paths.js';
import type { InstallAnswers, Platform, Release, TlsMode } from './platform.js';

/**
 * The install's questions, in order, as data: which one comes next given the answers so far, with its
 * wording (the TLS mode and the platform decide what the email is for), its default and an example.
 * Pure: the question loop (src/commands/install/questions.ts) asks them and runs the checks between them.
 */

export interface Choice {
  value: string;
  name: string;
  description?: string;
}

export interface QuestionStep {
  key: string;
  /** "Domain:" or a full question. */
  message: string;
  /** Shown in the question: "Domain (e.g. chat.example.com):". */
  example?: string;
  kind: 'select' | 'text';
  choices?: Choice[];
  /** The default: taken by Enter on an empty line (or the highlighted choice). */
  initial?: string;
  /** Returns the value to keep (normalised), or why it is refused and the remedy. */
  validate?: (value: string) => Validation<string>;
  /** A password: typed characters show as *. */
  secret?: boolean;
  /** The answer goes into an env file: a value no env file can carry is refused at the question. */
  envBound?: boolean;
}

export interface QuestionInput {
  platforms: Platform[];
  /** Answers from flags, env vars and the answers file. */
  given: Partial<InstallAnswers>;
  /** The install being repaired, if any: what it recorded is not asked again. */
  record?: { platform: string; domain?: string; email?: string } | undefined;
  /** --yes: only what has no default is asked. */
  yes: boolean;
  /** Keys asked again although a flag answered them (a failed check asked for another value). */
  reask?: ReadonlySet<string>;
  /** What the data dir's validation looks at (the folder as it is, the installs the state records). */
  dataDir?: Omit<DataDirContext, 'name'>;
  /**
   * The release lists the version question offers, by platform (the feed merged with the shipped list, as upgrade
   * reads it; the platform's `releases` are that list): which are shipped, and where a list came from when its feed
   * did not answer.
   */
  releases?: ReadonlyMap<string, ReleaseListInfo>;
}

/** Where a platform's release list came from, for the version question. */
export interface ReleaseListInfo {
  /** The releases the wizard was shipped (and tested) with. */
  shipped: readonly Release[];
  /** The feed did not answer: the list is the cached or the shipped one. */
  fellBack: boolean;
  /** "hub.docker.com (fetched now)", "shipped with the wizard (hub.docker.com: timed out after 4 s)". */
  sourceText: string;
}

const given = (input: QuestionInput, key: keyof InstallAnswers) =>
  input.reask?.has(key) ? undefined : input.given[key];

/** The platform chosen so far (an answer, a flag, or the install being repaired). */
export function platformOf(values: Record<string, string>, input: QuestionInput): Platform | undefined {
  const id = values.platform ?? (given(input, 'platform') as string | undefined) ?? input.record?.platform;
  return input.platforms.find((p) => p.id === id);
}

export function domainQuestion(tls: TlsMode): QuestionStep {
  const local = tls === 'none';
  return {
    key: 'domain',
    kind: 'text',
    message: local ? 'Domain or address:' : 'Domain:',
    example: local ? 'chat.example.com, or localhost' : 'chat.example.com',
    validate: (s) => validateDomain(s, { allowLocal: local }),
  };
}

/** What the email is for depends on the TLS mode (Let's Encrypt's notices) and on the platform (an admin). */
export function emailQuestion(tls: TlsMode, platform: Platform): QuestionStep {
  const acme = tls === 'letsencrypt';
  const admin = platform.adminEmail !== false;
  return {
    key: 'email',
    kind: 'text',
    message:
      acme && admin
        ? "Email for Let's Encrypt and the first admin:"
        : acme
          ? "Email for Let's Encrypt's notices:"
          : 'Email of the first admin:',
    example: 'admin@example.com',
    // The same rule as --email, WIZARD_EMAIL and the answers file.
    validate: judgeEmail,
  };
}

export function dataDirQuestion(
  platform: Platform,
  ctx: Omit<DataDirContext, 'name'> = {},
  name = platform.id,
): QuestionStep {
  return {
    key: 'dataDir',
    kind: 'text',
    message: 'Data directory:',
    initial: platform.defaultDataDir,
    // The one validation of a folder answer: never a system folder, a home, a file or someone else's folder.
    validate: (s) => validateDataDir(s.trim(), { ...ctx, name }),
  };
}

/** A TCP port on 127.0.0.1 (or "none" where it may be left unpublished). */
export function validatePort(
  v: string,
  opts: { what?: string; tls?: TlsMode; none?: boolean } = {},
): Validation<string> {
  const s = v.trim().toLowerCase();
  if (opts.none && s === 'none') return { ok: true, value: 'none' };
  const n = /^\d+$/.test(s) ? Number(s) : Number.NaN;
  if (!Number.isInteger(n) || n < 1024 || n > 65535)
    return {
      ok: false,
      error: `"${v}" can't be the ${opts.what ?? 'port'}.`,
      remedy: `Use a number from 1024 to 65535${opts.none ? ', or none to leave it unpublished' : ''}.`,
    };
  return { ok: true, value: String(n) };
}

export function portQuestion(opts: {
  key: string;
  what: string;
  initial: string;
  tls?: TlsMode;
  none?: boolean;
}): QuestionStep {
  return {
    key: opts.key,
    kind: 'text',
    message: `${opts.what} on 127.0.0.1${opts.none ? ' (none: not published)' : ''}:`,
    initial: opts.initial,
    validate: (s) =>
      validatePort(s, {
        // "App port" reads "the app port"; a name (MongoDB, NATS) keeps its capitals.
        what: opts.what.replace(/^[A-Z](?=[a-z]+\b)/, (c) => c.toLowerCase()),
        ...(opts.none ? { none: true } : {}),
      }),
  };
}

/** The next question, given the answers so far; undefined when every question is answered. */
export function nextQuestion(values: Record<string, string>, input: QuestionInput): QuestionStep | undefined {
  const { platforms, record, yes } = input;
  const platform = platformOf(values, input);
  if (!platform)
    return {
      key: 'platform',
      kind: 'select',
      message: 'Which chat platform?',
      choices: platforms.map((p) => ({ value: p.id, name: p.title, description: p.description })),
    };
  const tls = input.given.tls ?? 'letsencrypt';
  if (values.domain === undefined && !given(input, 'domain') && !record?.domain) return domainQuestion(tls);
  if (values.email === undefined && !given(input, 'email') && !record?.email)
    return emailQuestion(tls, platform);
  if (yes || record) return undefined;
  if (values.version === undefined && !given(input, 'version')) {
    const tested = platform.releases.find((r) => r.tested) ?? platform.releases[0];
    const list = input.releases?.get(platform.id);
    return {
      key: 'version',
      kind: 'select',
      // A feed that did not answer says so: the list is the cached or the shipped one.
      message: list?.fellBack
        ? `${platform.title} release (release list: ${list.sourceText}):`
        : `${platform.title} release:`,
      ...(tested ? { initial: tested.version } : {}),
      choices: platform.releases.map((r) => ({
        value: r.version,
        name: r.version,
        description:
          r.version === tested?.version
            ? 'tested, recommended'
            : r.tested
              ? 'tested'
              : list && !list.shipped.some((x) => x.version === r.version)
                ? 'untested (from the release feed)'
                : '',
      })),
    };
  }
  if (values.dataDir === undefined && !given(input, 'dataDir'))
    return dataDirQuestion(platform, input.dataDir, input.given.name ?? platform.id);
  const extra = { ...input.given.extra, ...values };
  for (const q of platform.questions) {
    if (q.hidden || (q.when && !q.when(extra))) continue;
    if (input.given.extra?.[q.key] !== undefined || values[q.key] !== undefined) continue;
    return {
      key: q.key,
      kind: q.choices ? 'select' : 'text',
      message: q.message,
      ...(q.example ? { example: q.example } : {}),
      ...(q.choices ? { choices: q.choices } : {}),
      ...(q.default ? { initial: q.default } : {}),
      ...(q.validate ? { validate: q.validate } : {}),
      ...(q.secret ? { secret: true } : {}),
      envBound: true,
    };
  }
  return undefined;
}

/** Whether `key` will still be asked (so a check that needs it waits for the answer). */
export function willAsk(key: string, values: Record<string, string>, input: QuestionInput): boolean {
  if (values[key] !== undefined) return false;
  if (key === 'platform') return !platformOf(values, input);
  if (key === 'domain' || key === 'email')
    return !given(input, key) && !input.record?.[key as 'domain' | 'email'];
  if (input.yes || input.record) return false;
  if (key === 'version' || key === 'dataDir') return !given(input, key);
  return false;
}
