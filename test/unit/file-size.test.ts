/**
 * Small files (HOUSE-STYLE habit 11, issue 16): a file in src/ or steps/ over 300 lines is split, or says why it
 * is not in a header comment line holding "over 300 lines:" and its reason (within its first 10 lines).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LIMIT = 300;
const HEADER_LINES = 10;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|tsx|mts)$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** The reason a file's header gives for its size, or undefined. */
function sizeReason(text: string): string | undefined {
  for (const line of text.split('\n').slice(0, HEADER_LINES)) {
    const m = /^\s*(?:\/\/|\/\*+|\*)\s*over 300 lines:\s*(\S.*?)\s*(?:\*\/)?$/.exec(line);
    if (m?.[1]) return m[1];
  }
  return undefined;
}

const lineCount = (text: string) => text.replace(/\n$/, '').split('\n').length;

describe('file size', () => {
  it('reads a reason only from a header comment line that gives one', () => {
    expect(sizeReason('// over 300 lines: one table\nimport x from "y";')).toBe('one table');
    expect(sizeReason('/**\n * A doc.\n * over 300 lines: the contract, read whole\n */')).toBe(
      'the contract, read whole',
    );
    expect(sizeReason('// over 300 lines:\nimport x from "y";')).toBeUndefined();
    expect(sizeReason('const a = "over 300 lines: not a comment";')).toBeUndefined();
    expect(sizeReason(`${'\n'.repeat(HEADER_LINES)}// over 300 lines: too far down`)).toBeUndefined();
  });

  it('finds every file in src/ and steps/ over 300 lines split, or with its reason in its header', () => {
    const over: string[] = [];
    const files = [...sources('src'), ...sources('steps')];
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const n = lineCount(text);
      if (n > LIMIT && !sizeReason(text))
        over.push(`${file}: ${n} lines, no "over 300 lines: <reason>" in its header`);
    }
    expect(over).toEqual([]);
  });
});
