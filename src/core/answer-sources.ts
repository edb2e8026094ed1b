import { envOf } from './answer-rules.js';
import { UserError } from './errors.js';

/**
 * Where raw answers come from before the one validation (answers.ts): the WIZARD_* env vars and an answers
 * file, each read into the same raw shape as the flags.
 */
export const ANSWER_KEYS = [
  'platform',
  'name',
  'domain',
  'email',
  'version',
  'dataDir',
  'tls',
  'port',
  'repoUrl',
  'offline',
  'ignoreCheck',
  'yes',
  'dryRun',
] as const;
export type AnswerKey = (typeof ANSWER_KEYS)[number];
export type RawAnswers = Record<string, unknown>;

export const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
export const camel = (key: string) => key.replace(/[-_]([a-z])/g, (_, c: string) => c.toUpperCase());

/** Reads WIZARD_* variables for the shared keys and the platform questions' own env names. */
export function answersFromEnv(
  env: Record<string, string | undefined>,
  extraEnv: { key: string; env: string }[] = [],
): RawAnswers {
  const out: RawAnswers = {};
  for (const key of ANSWER_KEYS) {
    const v = env[envOf(key)];
    if (v === undefined || v === '') continue;
    // Booleans stay text here: resolveAnswers judges them (WIZARD_YES=n is refused, not taken as yes).
    if (key === 'ignoreCheck')
      out[key] = v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else out[key] = v;
  }
  for (const q of extraEnv) if (env[q.env]) out[q.key] = env[q.env];
  return out;
}

/**
 * Parses an answers file (YAML or JSON, keys in camelCase or kebab-case). The YAML parser is passed in,
 * so it is loaded only when a file is given.
 */
export function parseAnswersFile(
  text: string,
  file: string,
  parseYaml: (text: string) => unknown,
): RawAnswers {
  let doc: unknown;
  try {
    doc = file.endsWith('.json')
      ? JSON.parse(text.replace(/^\uFEFF/, ''))
      : parseYaml(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new UserError(
      `Can't read the answers file ${file}: ${why}`,
      'Fix the syntax; see the README for an example answers file.',
    );
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new UserError(
      `The answers file ${file} is not a mapping of keys to values.`,
      'Write one "key: value" per line, e.g. "domain: chat.example.com".',
    );
  }
  const out: RawAnswers = {};
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) out[camel(k)] = v;
  return out;
}
