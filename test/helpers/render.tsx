import { renderToString } from 'ink';
import { render as inkRender } from 'ink-testing-library';
import type { ReactElement } from 'react';
import stripAnsi from 'strip-ansi';

/** ink-testing-library behind one wrapper: plain-text frames of a screen (the questions are @inquirer prompts). */
export function render(element: ReactElement) {
  const r = inkRender(element);
  return { ...r, frame: () => stripAnsi(r.lastFrame() ?? '') };
}

export const keys = { enter: '\r', down: '\u001B[B', up: '\u001B[A', backspace: '\u007F', ctrlC: '\u0003' };

/** A static screen as printStatic writes it to a terminal of this width: plain lines. */
export function renderLines(element: ReactElement, columns: number): string[] {
  return stripAnsi(renderToString(element, { columns })).split('\n');
}
