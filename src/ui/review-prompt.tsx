import { CancelledError } from '../core/errors.js';
import { ReviewCommands, ReviewFiles, type ReviewProps } from './Review.js';
import { printStatic, screenWidth, type Terminal } from './screens.js';

/**
 * The review's question: y installs, n (or Enter) stops, f and c list the files and commands and ask again.
 * One line read by @inquirer/prompts (its line editor, no Ink mounted meanwhile), so a `yes` typed fast or pasted
 * whole is yes.
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

/** Asks until the answer is yes or no; f and c print the lists in between. Ctrl-C cancels. */
export async function askReview(
  term: Pick<Terminal, 'stdin' | 'stderr'>,
  lists: Pick<ReviewProps, 'files' | 'commands'>,
): Promise<boolean> {
  const { input } = await import('@inquirer/prompts');
  // Ink leaves stdin unreferenced when it unmounts; a prompt waiting on it must keep the process alive.
  const stdin = term.stdin as Partial<Pick<NodeJS.ReadStream, 'ref' | 'unref'>>;
  for (;;) {
    let text: string;
    try {
      stdin.ref?.();
      text = await input(
        {
          message: MESSAGE,
          validate: (v) => (parseReviewAnswer(v) ? true : 'Answer y (install), n (stop), f or c.'),
        },
        { input: term.stdin, output: term.stderr },
      );
    } catch (e) {
      if (e instanceof Error && e.name === 'ExitPromptError')
        throw new CancelledError('Cancelled at the review; nothing was changed.');
      throw e;
    } finally {
      stdin.unref?.();
    }
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
}
