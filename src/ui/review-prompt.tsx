import { ReviewCommands, ReviewFiles, type ReviewProps } from './Review.js';
import { closeKeys, openKeys, printStatic, screenWidth, type Terminal } from './screens.js';

/**
 * The review's question: y installs, n (or Enter) stops, f and c list the files and commands and ask again.
 * One line read by @inquirer/prompts (its line editor, no Ink mounted meanwhile) from the run's key feed, so a
 * `yes` typed fast or pasted whole is yes.
 */
export type ReviewAnswer = 'yes' | 'no' | 'files' | 'commands';

const MESSAGE = 'Go ahead and install? [y/n, f: files, c: commands]';

/** The question as the terminal shows it before an answer (one line, for the screen's line count). */
export const REVIEW_QUESTION = `? ${MESSAGE}`;

export function parseReviewAnswer(text: string): ReviewAnswer | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'y' || t === 'yes') return 'yes';
  if (t === '' || t === 'n' || t === 'no') return 'no';
  if (t === 'f' || t === 'files') return 'files';
  if (t === 'c' || t === 'commands') return 'commands';
  return undefined;
}

/**
 * Asks until the answer is yes or no; f and c print the lists in between. Ctrl-C cancels; Esc is no. It reads
 * the run's keyboard (key-feed.ts), so keys typed ahead of the question are its answer, not lost.
 */
export async function askReview(
  term: Terminal,
  lists: Pick<ReviewProps, 'files' | 'commands'>,
): Promise<boolean> {
  const [{ input }, { answeredLine, promptTheme }] = await Promise.all([
    import('@inquirer/prompts'),
    import('./prompts.js'),
  ]);
  const own = !term.keys;
  const keys = term.keys ?? openKeys(term);
  try {
    for (;;) {
      const text = await keys.run(
        (ctx) =>
          input(
            {
              message: MESSAGE,
              theme: promptTheme,
              validate: (v) => (parseReviewAnswer(v) ? true : 'Answer y (install), n (stop), f or c.'),
            },
            ctx,
          ),
        'Cancelled at the review; nothing was changed.',
      );
      if (typeof text !== 'string') {
        term.stderr.write(`${answeredLine({ key: 'review', kind: 'text', message: MESSAGE }, 'no')}\n`);
        return false;
      }
      term.stderr.write(`${answeredLine({ key: 'review', kind: 'text', message: MESSAGE }, text.trim())}\n`);
      const answer = parseReviewAnswer(text);
      if (answer === 'yes') return true;
      if (answer === 'no' || answer === undefined) return false;
      const width = screenWidth(term.stderr);
      printStatic(
        answer === 'files' ? (
          <ReviewFiles files={lists.files} width={width} />
        ) : (
          <ReviewCommands commands={lists.commands} width={width} />
        ),
        term.stderr,
        width,
      );
    }
  } finally {
    if (own) closeKeys(term);
  }
}
