/**
 * Splits terminal input into keys, the way readline decodes them: an escape sequence (arrows, Home/End,
 * Delete), a Meta key (Esc then a character), or one character. Pure: the key feed (key-feed.ts) hands
 * the questions one key at a time, so a chunk that holds several answers is read exactly as typed.
 */

export const ESC = '\u001B';
export const CTRL_C = '\u0003';

export interface Split {
  keys: string[];
  /** The start of an escape sequence that may go on in the next chunk (or is a lone Esc). */
  rest: string;
}

/** Keys in `text`; an unfinished escape sequence at the end is returned as `rest`. */
export function splitKeys(text: string): Split {
  const keys: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ESC) {
      const end = escapeEnd(text, i);
      if (end === undefined) return { keys, rest: text.slice(i) };
      keys.push(text.slice(i, end));
      i = end;
      continue;
    }
    // A pasted Windows line end is one Enter, not an Enter and an empty answer for the next question.
    if (c === '\r' && text[i + 1] === '\n') {
      keys.push('\r');
      i += 2;
      continue;
    }
    const cp = text.codePointAt(i) ?? 0;
    const len = cp > 0xffff ? 2 : 1;
    keys.push(text.slice(i, i + len));
    i += len;
  }
  return { keys, rest: '' };
}

/** The index after the escape sequence starting at `i`, or undefined when the text ends inside it. */
function escapeEnd(text: string, i: number): number | undefined {
  const next = text[i + 1];
  if (next === undefined) return undefined;
  // Esc Esc: the first is a key of its own (readline reads the pair as Meta-Esc; nobody means that).
  if (next === ESC) return i + 1;
  if (next === '[') {
    // CSI: parameters 0x30-0x3F, intermediates 0x20-0x2F, one final byte 0x40-0x7E.
    let j = i + 2;
    // Linux console function keys: ESC [ [ A.
    if (text[j] === '[') return j + 1 < text.length ? j + 2 : undefined;
    while (j < text.length) {
      const code = text.charCodeAt(j);
      if (code >= 0x40 && code <= 0x7e) return j + 1;
      if (code < 0x20 || code > 0x3f) return j; // malformed: stop before it
      j++;
    }
    return undefined;
  }
  if (next === 'O') return i + 2 < text.length ? i + 3 : undefined;
  // Meta-x (Esc then a character), e.g. Meta-b, Meta-Backspace.
  const cp = text.codePointAt(i + 1) ?? 0;
  return i + 1 + (cp > 0xffff ? 2 : 1);
}
