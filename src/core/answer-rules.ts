/**
 * The rules every answer meets before it is judged on its own: a length cap, strict yes/no values, and
 * --ignore-check ids that name real checks. Used by resolveAnswers (flags, env vars, answers file).
 */
import { type Validation, validateEmail } from './domain.js';
import { envValueProblem } from './envfile.js';

export const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
export const envOf = (key: string) => `WIZARD_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** The longest answer accepted (a domain, a path, a URL, a password); a longer one is refused, never parsed. */
export const MAX_ANSWER_LENGTH = 1024;
/** The largest answers file read; a larger one is refused by its size before it is read or parsed. */
export const MAX_ANSWERS_FILE_BYTES = 256 * 1024;

const BOOL_KEYS = ['offline', 'yes', 'dryRun'] as const;

type Bad = (key: string, error: string, remedy: string) => void;

/** A value from a file as text: a list or mapping (whatever its keys, e.g. toString) as JSON, never a crash. */
export function answerText(v: unknown): string {
  if (typeof v !== 'object' || v === null) return String(v);
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return '(a nested value)';
  }
}

/**
 * A yes/no answer, strictly: 1/0, true/false, yes/no, on/off (any case), or a YAML/JSON boolean or 1/0.
 * Anything else is undefined, which the caller refuses.
 */
export function parseBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v !== 'string') return undefined;
  const t = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(t)) return true;
  if (['0', 'false', 'no', 'off'].includes(t)) return false;
  return undefined;
}

/** Every answer has a length cap; an over-long one is refused by its length (never quoted: it may be a secret) and dropped. */
export function capLengths(raw: Record<string, unknown>, bad: Bad): void {
  for (const [k, v] of Object.entries(raw)) {
    const values = Array.isArray(v) ? v : [v];
    const long = values
      .map((x) => (x === null || x === undefined ? '' : answerText(x)))
      .find((t) => t.length > MAX_ANSWER_LENGTH);
    if (long === undefined) continue;
    bad(
      k,
      `The value of ${flagOf(k)} is ${long.length} characters long; the longest accepted is ${MAX_ANSWER_LENGTH}.`,
      `Check ${flagOf(k)} (or ${envOf(k)}, or "${k}" in the answers file).`,
    );
    delete raw[k];
  }
}

/** --offline, --yes and --dry-run, from whichever source: strict yes/no values (WIZARD_YES=n is refused). */
export function judgeBooleans(
  raw: Record<string, unknown>,
  bad: Bad,
): Record<(typeof BOOL_KEYS)[number], boolean | undefined> {
  const bools: Record<(typeof BOOL_KEYS)[number], boolean | undefined> = {
    offline: undefined,
    yes: undefined,
    dryRun: undefined,
  };
  for (const k of BOOL_KEYS) {
    if (raw[k] === undefined || raw[k] === null) continue;
    const b = parseBoolean(raw[k]);
    if (b === undefined)
      bad(
        k,
        `"${answerText(raw[k]).slice(0, 40)}" is not a yes/no value for ${flagOf(k)} (${envOf(k)}).`,
        'Use one of 1/0, true/false, yes/no, on/off.',
      );
    else bools[k] = b;
  }
  return bools;
}

/** The --ignore-check ids (a list, or one comma-separated string); with `known`, an id no check has is refused. */
export function judgeIgnoreChecks(ignore: unknown, known: string[] | undefined, bad: Bad): string[] {
  const ids = (
    Array.isArray(ignore) ? ignore.map(answerText) : typeof ignore === 'string' ? ignore.split(',') : []
  )
    .map((id) => id.trim())
    .filter(Boolean);
  const unknown = known ? ids.filter((id) => !known.includes(id)) : [];
  if (unknown.length > 0)
    bad(
      'ignoreCheck',
      `${unknown.map((id) => `"${id.slice(0, 40)}"`).join(', ')} ${unknown.length === 1 ? 'is not a check' : 'are not checks'} the wizard runs.`,
      `Check ids: ${[...new Set(known)].sort().join(', ')}.`,
    );
  return ids;
}

/**
 * The one rule for the email answer, whichever way it comes (flag, env var, answers file or the question): an
 * address, and one the env file can carry.
 */
export function judgeEmail(input: string): Validation<string> {
  const v = validateEmail(input);
  if (!v.ok) return v;
  const why = envValueProblem(v.value);
  return why
    ? {
        ok: false,
        error: `The email address ${why}, which an env file can not carry.`,
        remedy: 'Use the form name@example.com.',
      }
    : v;
}
