import { MAX_ANSWER_LENGTH, MAX_ANSWERS_FILE_BYTES } from '../../core/answers.js';
import { hostChecks, installChecks } from '../../core/checks.js';
import { clockCheck } from '../../core/clock.js';
import type { Validation } from '../../core/domain.js';
import { envValueProblem } from '../../core/envfile.js';
import { UserError } from '../../core/errors.js';
import { kernelCheck } from '../../core/kernel.js';
import type { Platform } from '../../core/platform.js';
import { readinessChecks } from '../../core/readiness-checks.js';

/** The install's input limits: the answers file read with a size cap, the questions' caps, the check ids. */

/**
 * The answers file's text, or undefined when it can't be read. A file over MAX_ANSWERS_FILE_BYTES is refused by its
 * size at once (a regular file before a byte is read; a pipe once that many bytes came), never parsed.
 */
export async function readCapped(path: string, shown: string): Promise<string | undefined> {
  const { open } = await import('node:fs/promises');
  const tooBig = () =>
    new UserError(
      `The answers file ${shown} is larger than ${MAX_ANSWERS_FILE_BYTES / 1024} KiB; an answers file is a few lines.`,
      'Give a file with one "key: value" per line (see the README), not data.',
    );
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const st = await handle.stat();
    if (st.isFile() && st.size > MAX_ANSWERS_FILE_BYTES) throw tooBig();
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > MAX_ANSWERS_FILE_BYTES) throw tooBig();
      chunks.push(buf.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (e) {
    if (e instanceof UserError) throw e;
    return undefined;
  } finally {
    await handle.close();
  }
}

type Validator = (s: string) => Validation<string>;

/** A question's validator with the answer length cap (and, for values bound for an env file, what it can carry). */
export function capped(validate: Validator | undefined, envBound = false): Validator {
  return (s) => {
    if (s.length > MAX_ANSWER_LENGTH)
      return {
        ok: false,
        error: `That is ${s.length} characters long; the longest accepted is ${MAX_ANSWER_LENGTH}.`,
        remedy: 'Give a shorter value.',
      };
    const r = validate ? validate(s) : { ok: true as const, value: s };
    const why = r.ok && envBound ? envValueProblem(r.value) : undefined;
    if (why)
      return {
        ok: false,
        error: `The value ${why}, which an env file can not carry.`,
        remedy: 'Use a value without \' or without ", $, ` and \\.',
      };
    return r;
  };
}

/** Every check id --ignore-check can name: the host's, the install's, the readiness ones and each platform's. */
export function checkIds(platforms: Platform[]): string[] {
  return [
    ...new Set(
      [
        ...hostChecks,
        ...installChecks,
        kernelCheck,
        clockCheck,
        ...readinessChecks,
        ...platforms.flatMap((p) => p.checks ?? []),
      ].map((c) => c.id),
    ),
    // With --offline: the images the plan starts (checkOfflineImages, judged once the plan is known).
    'images',
  ];
}
