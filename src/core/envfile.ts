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
export function quoteEnvValue(value: string): string {
  if (value === '') return '';
  if (/^[A-Za-z0-9_./:@%+,=-]+$/.test(value)) return value;
  if (/[\r\n]/.test(value))
    throw new UserError(
      'A value with a line break can not be written to an env file.',
      'Give the value on one line.',
    );
  // Not a trailing backslash in single quotes: dotenv would read `\'` as an escaped quote and run on into the next lines.
  if (!value.includes("'") && !value.endsWith('\\')) return `'${value}'`;
  if (!/["\\$`]/.test(value)) return `"${value}"`;
  throw new UserError(
    `The value ${JSON.stringify(value)} mixes quotes and $ or \\ (or ends in \\) in a way an env file can not carry.`,
    'Use a value without \' or without ", $, ` and \\ (a generated password never has them).',
  );
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
    const line = `${key}=${quoteEnvValue(value)}`;
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
