/**
 * Wraps plain text at a width, each line with a hanging indent: a continuation starts under the text of its
 * line (after the leading spaces, a "→ " or "- ", or the gap after a term such as "  130  cancelled ..."). Pure.
 */
export function wrapText(text: string, width: number): string {
  return text
    .split('\n')
    .map((line) => wrapLine(line, width))
    .join('\n');
}

function wrapLine(line: string, width: number): string {
  if (line.length <= width) return line;
  const lead = /^(\s*(?:→ |[-*•] |\S+(?: \S+)?\s{2,})?)/.exec(line)?.[1] ?? '';
  // A hanging indent wider than half the line would leave no room: indent by the leading spaces only.
  const hang = ' '.repeat(lead.length <= width / 2 ? lead.length : (/^\s*/.exec(line)?.[0].length ?? 0));
  const out: string[] = [];
  let current = line.slice(0, lead.length);
  let fresh = true;
  for (const word of line.slice(lead.length).split(/ +/).filter(Boolean)) {
    const sep = fresh ? '' : ' ';
    if (!fresh && current.length + 1 + word.length > width) {
      out.push(current);
      current = hang + word;
      continue;
    }
    current += sep + word;
    fresh = false;
  }
  out.push(current);
  return out.join('\n');
}

/** Edit distance (insert, delete, substitute, swap two neighbours): how far a typo is from a word. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = v;
    }
  return at(a.length, b.length);
}

/** The closest of `words` to a typo (at most a third of its letters off), if any. */
export function closest(typo: string, words: string[]): string | undefined {
  let best: { word: string; distance: number } | undefined;
  for (const word of words) {
    const distance = editDistance(typo.toLowerCase(), word);
    if (distance <= Math.max(1, Math.floor(word.length / 3)) && (!best || distance < best.distance))
      best = { word, distance };
  }
  return best?.word;
}

/** A wait's progress line without its own seconds ("12 s: connection refused" → "connection refused"). */
export const withoutSeconds = (line: string) => line.replace(/^\d+ s:?\s*/, '');
