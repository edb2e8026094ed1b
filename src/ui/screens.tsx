import { render, renderToString } from 'ink';
import type { ReactElement } from 'react';
import type { CheckOutcome } from '../core/checks.js';
import type { QuestionStep } from '../core/questions.js';
import { Checklist, type ChecklistItem, checklistColumns } from './Checklist.js';
import { type Back, KeyFeed } from './key-feed.js';

/**
 * Glue between commands and Ink: each function owns the terminal for one phase and releases it
 * before returning, so listr2 and Ink never draw at the same time.
 */
export interface Terminal {
  stdin: NodeJS.ReadStream;
  /** Progress, screens and questions. */
  stderr: NodeJS.WriteStream;
  /** Results only. */
  stdout: NodeJS.WriteStream;
  interactive: boolean;
  /** The keyboard while a run asks its questions (openKeys/closeKeys). */
  keys?: KeyFeed | undefined;
}

/** The width a screen wraps at: the terminal's, or 80 columns when the output is not a terminal. */
export function screenWidth(stream: NodeJS.WriteStream): number {
  return stream.isTTY ? stream.columns || 80 : 80;
}

/**
 * Writes a static screen. A terminal wraps at its width; by default a pipe or log file gets whole lines, and
 * screens laid out for a width (the review, the summary) pass `screenWidth(stream)`.
 */
export function printStatic(element: ReactElement, stream: NodeJS.WriteStream, columns?: number): void {
  stream.write(
    `${renderToString(element, { columns: columns ?? (stream.isTTY ? stream.columns || 80 : 10_000) })}\n`,
  );
}

/** Check outcomes judged elsewhere, as checklist lines (each wrapping under its own text). */
export function printOutcomes(stream: NodeJS.WriteStream, outcomes: CheckOutcome[]): void {
  const items = outcomes.map((o) => ({ id: o.id, title: o.title, outcome: o }));
  printStatic(
    <Checklist items={items} />,
    stream,
    stream.isTTY ? undefined : checklistColumns(undefined, items),
  );
}

/** Shows the checklist live while checks run (on a terminal), or once when they are done. */
export async function showChecks(
  term: Terminal,
  /** undefined when the heading was already written (see heading.ts). */
  title: string | undefined,
  checks: { id: string; title: string }[],
  run: (onResult: (o: CheckOutcome) => void) => Promise<CheckOutcome[]>,
): Promise<CheckOutcome[]> {
  const items: ChecklistItem[] = checks.map((c) => ({ id: c.id, title: c.title }));
  if (!term.interactive) {
    const outcomes = await run(() => {});
    const done = items.map((i) => ({ ...i, outcome: outcomes.find((o) => o.id === i.id) }));
    printStatic(
      <Checklist title={title} items={done} />,
      term.stderr,
      term.stderr.isTTY ? undefined : checklistColumns(title, done),
    );
    return outcomes;
  }
  const app = render(<Checklist title={title} items={items} />, {
    stdout: term.stderr,
    stdin: term.stdin,
    patchConsole: false,
    exitOnCtrlC: false,
  });
  const outcomes = await run((o) => {
    const item = items.find((i) => i.id === o.id);
    if (item) item.outcome = o;
    app.rerender(<Checklist title={title} items={[...items]} />);
  });
  app.unmount();
  await app.waitUntilExit();
  return outcomes;
}

/**
 * The keyboard for a run's questions (key-feed.ts): opened once, so keys typed ahead are kept from one
 * question to the next, and closed (raw mode off) before anything else reads the terminal.
 */
export function openKeys(term: Terminal, onInterrupt?: () => void): KeyFeed {
  term.keys ??= new KeyFeed(term.stdin, term.stderr, onInterrupt ? { onInterrupt } : {});
  term.keys.start();
  return term.keys;
}

export function closeKeys(term: Terminal | undefined): void {
  if (!term?.keys) return;
  term.keys.stop();
  term.keys = undefined;
}

/** One question on the terminal's keyboard: the answer, or BACK (Esc). */
export async function askOne(term: Terminal, step: QuestionStep): Promise<string | Back> {
  const { answeredLine, promptFor } = await import('./prompts.js');
  const keys = term.keys ?? openKeys(term);
  const answer = await keys.run(promptFor(step, screenWidth(term.stderr)));
  if (typeof answer === 'string') term.stderr.write(`${answeredLine(step, answer)}\n`);
  return answer;
}

/** A yes/no question ("no" unless answered yes; Esc is no). Uses the run's keyboard, or its own. */
export async function confirm(
  term: Terminal,
  message: string,
  cancelled = 'Nothing was changed.',
): Promise<boolean> {
  const { answeredLine, confirmPrompt } = await import('./prompts.js');
  const own = !term.keys;
  const keys = term.keys ?? openKeys(term);
  try {
    const yes = (await keys.run(confirmPrompt(message), cancelled)) === true;
    term.stderr.write(`${answeredLine({ key: 'confirm', kind: 'text', message }, yes ? 'yes' : 'no')}\n`);
    return yes;
  } finally {
    if (own) closeKeys(term);
  }
}
