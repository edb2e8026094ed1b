import { render as inkRender } from 'ink-testing-library';
import type { ReactElement } from 'react';
import stripAnsi from 'strip-ansi';

/** ink-testing-library behind one wrapper: plain-text frames of a screen (the questions are @inquirer prompts). */
export function render(element: ReactElement) {
  const r = inkRender(element);
  return { ...r, frame: () => stripAnsi(r.lastFrame() ?? '') };
}
