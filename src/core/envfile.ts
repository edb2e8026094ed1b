import { parse } from 'dotenv';
import { UserError } from './errors.js';

/**
 * A .env file edited line by line: comments, blank lines, ordering and keys the wizard does not know
 * are kept exactly. Values are read with dotenv's parser (the same rules Compose follows for the
 * simple cases), and written quoted only when they need it.
 */
export interface EnvDocument {
  readonly values: Readonly<Record<string, string>>;
  readonly text: string;
}

const KEY_LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=/;

export function parseEnv(text: string): EnvDocument {
  const clean = text.replace(/^\uFEFF/, '');
  return { values: parse(clean.replace(/\r\n/g, '\n')), text: clean };
}

/**
 * Quotes a value so that dotenv and Docker Compose read it back unchanged: bare when safe, else single
 * quotes (literal in Compose: no `$` interpolation), else double quotes when nothing in it is special
 * there. A value no form can carry is refused rather than written wrong.
 */
export function quoteEnvValue(value: string, key?: string): string {
  const why = envValueProblem(value);
  // The value is never quoted in the message: it may be a password.
  if (why)
    throw new UserError(
      `The value ${key ? `of ${key} ` : ''}${why}, which an env file can not carry.`,
      /line break/.test(why)
        ? 'Give the value on one line.'
        : 'Use a value without \' or without ", $, ` and \\ (a generated password never has them).',
    );
  if (value === '') return '';
  if (/^[A-Za-z0-9_./:@%+,=-]+$/.test(value)) return value;
  // Single quotes: literal for dotenv and for Compose (no `$` interpolation). Not with a trailing backslash:
  // dotenv would read `\'` as an escaped quote and run on into the next lines.
  if (!value.includes("'") && !value.endsWith('\\')) return `'${value}'`;
  return `"${value}"`;
}

/** Why a value can't be written to an env file (read back unchanged by dotenv and Compose), or undefined. */
export function envValueProblem(value: string): string | undefined {
  if (/[\r\n]/.test(value)) return 'has a line break';
  // A NUL or another control character: Compose and dotenv disagree on them.
  if ([...value].some((c) => c !== '\t' && (c < ' ' || c === '\u007f'))) return 'has a control character';
  if (/^[A-Za-z0-9_./:@%+,=-]*$/.test(value)) return undefined;
  if (!value.includes("'") && !value.endsWith('\\')) return undefined;
  if (!/["\\$`]/.test(value)) return undefined;
  return 'mixes quotes and $ or \\ (or ends in \\)';
}

/**
 * Returns the text with each key in `updates` set. An existing key keeps its place (its last occurrence
 * is rewritten, earlier duplicates are left alone since the last one wins); new keys are appended under
 * `header`. A value of `undefined` leaves the key as it is.
 */
export function setEnv(
  text: string,
  updates: Record<string, string | undefined>,
  header = '# Written by wizard',
): string {
  const clean = text.replace(/^\uFEFF/, '');
  const eol = clean.includes('\r\n') ? '\r\n' : '\n';
  const lines = clean === '' ? [] : clean.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const lastIndex = new Map<string, number>();
  lines.forEach((line, i) => {
    const m = KEY_LINE.exec(line);
    if (m?.[1]) lastIndex.set(m[1], i);
  });
  const appended: string[] = [];
  for (const [key, value] of Object.entries(updates)) {
    if (value === undefined) continue;
    const line = `${key}=${quoteEnvValue(value, key)}`;
    const at = lastIndex.get(key);
    if (at === undefined) appended.push(line);
    else if (parseEnv(lines[at] ?? '').values[key] !== value) lines[at] = line;
  }
  if (appended.length > 0) {
    if (lines.length > 0 && lines[lines.length - 1] !== '') lines.push('');
    lines.push(header, ...appended);
  }
  return lines.length === 0 ? '' : lines.join(eol) + eol;
}
