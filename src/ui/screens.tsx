import { render, renderToString } from 'ink';
import type { ReactElement } from 'react';
import type { CheckOutcome } from '../core/checks.js';
import { Checklist, type ChecklistItem } from './Checklist.js';
import { Confirm, type QuestionStep, Questions } from './Questions.js';

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
    printStatic(
      <Checklist
        title={title}
        items={items.map((i) => ({ ...i, outcome: outcomes.find((o) => o.id === i.id) }))}
      />,
      term.stderr,
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

export async function ask(
  term: Terminal,
  next: (values: Record<string, string>) => QuestionStep | undefined,
  labels?: (key: string, value: string) => string,
): Promise<Record<string, string>> {
  if (!next({})) return {};
  let result: Record<string, string> = {};
  const app = render(
    <Questions
      next={next}
      {...(labels ? { labels } : {})}
      onDone={(v) => {
        result = v;
      }}
    />,
    {
      stdout: term.stderr,
      stdin: term.stdin,
      patchConsole: false,
      exitOnCtrlC: false,
    },
  );
  await app.waitUntilExit();
  return result;
}

export async function confirm(term: Terminal, message: string): Promise<boolean> {
  let answer = false;
  const app = render(
    <Confirm
      message={message}
      onAnswer={(yes) => {
        answer = yes;
      }}
    />,
    {
      stdout: term.stderr,
      stdin: term.stdin,
      patchConsole: false,
      exitOnCtrlC: false,
    },
  );
  await app.waitUntilExit();
  return answer;
}
