import { styleText } from 'node:util';
import { confirm, input, password, select } from '@inquirer/prompts';
import type { QuestionStep } from '../core/questions.js';
import type { PromptContext } from './key-feed.js';
import { symbols } from './theme.js';

/**
 * The questions, as @inquirer/prompts prompts: readline's line editor (←/→, Home/End, Ctrl-A/E/U/W, paste),
 * the default shown and taken with Enter (Tab puts it on the line to edit), the reason and its remedy under
 * an answer that is refused. Each prompt takes its keyboard from the key feed (key-feed.ts), which also turns
 * Esc into "back one question".
 */

export type Prompt<T> = (ctx: PromptContext) => Promise<T>;

/** Colours only where the terminal takes them (NO_COLOR and FORCE_COLOR=0 turn them off: node's styleText). */
const paint = (format: Parameters<typeof styleText>[0], text: string) => styleText(format, text);

const theme = {
  prefix: { idle: '?', done: paint('green', symbols.ok) },
  style: {
    // The reason on its line, the remedy under it: the same shape as every other refusal.
    error: (text: string) =>
      text
        .split('\n')
        .map((l, i) => paint('red', i === 0 ? `${symbols.fail} ${l}` : `  ${l}`))
        .join('\n'),
    keysHelpTip: (keys: [string, string][]) =>
      keys.map(([key, action]) => `${paint('bold', key)} ${paint('dim', action)}`).join(paint('dim', ' • ')),
  },
};

/** "Domain:" with "chat.example.com" -> "Domain (e.g. chat.example.com):". */
export function withExample(message: string, example?: string): string {
  if (!example) return message;
  const m = /^(.*?)([:?])$/.exec(message);
  return m ? `${m[1]} (e.g. ${example})${m[2]}` : `${message} (e.g. ${example})`;
}

/** The prompt that asks one question; resolves with the kept (normalised) answer. */
export function promptFor(step: QuestionStep, columns = 80): Prompt<string> {
  const message = withExample(step.message, step.example);
  if (step.kind === 'select') {
    const choices = step.choices ?? [];
    const width = Math.max(0, ...choices.map((c) => c.name.length));
    // One line per choice: a description longer than the terminal leaves is cut, never wrapped mid-word.
    const room = columns - 1 - 2 - width - 2;
    const cut = (d: string) => (d.length <= room ? d : room > 10 ? `${d.slice(0, room - 1).trimEnd()}…` : '');
    return (ctx) =>
      select(
        {
          message,
          choices: choices.map((c) => ({
            value: c.value,
            name:
              c.description && cut(c.description)
                ? `${c.name.padEnd(width)}  ${paint('dim', cut(c.description))}`
                : c.name,
            short: c.name,
          })),
          ...(step.initial !== undefined ? { default: step.initial } : {}),
          pageSize: Math.max(7, choices.length),
          theme: {
            ...theme,
            style: {
              ...theme.style,
              keysHelpTip: () =>
                theme.style.keysHelpTip([
                  ['↑↓', 'choose'],
                  ['⏎', 'select'],
                  ['esc', 'back'],
                ]),
            },
          },
        },
        ctx,
      );
  }
  return async (ctx) => {
    let kept: string | undefined;
    const validate = (raw: string): string | true => {
      const r = step.validate ? step.validate(raw) : ({ ok: true, value: raw } as const);
      if (r.ok) {
        kept = r.value;
        return true;
      }
      return `${r.error}\n${symbols.arrow} ${r.remedy}`;
    };
    const answer = step.secret
      ? await password({ message, mask: '*', validate, theme }, ctx)
      : await input(
          { message, ...(step.initial ? { default: step.initial } : {}), validate, theme: { ...theme } },
          ctx,
        );
    return kept ?? answer;
  };
}

/** The line an answered question leaves on the screen: "✔ Domain: chat.example.com" (a secret as *). */
export function answeredLine(step: QuestionStep, answer: string): string {
  const shown = step.secret
    ? '*'.repeat(answer.length)
    : (step.choices?.find((c) => c.value === answer)?.name ?? answer);
  return `${theme.prefix.done} ${paint('bold', withExample(step.message, step.example))} ${paint('cyan', shown)}`;
}

/** The questions' look, for a prompt built elsewhere (the review's). */
export const promptTheme = theme;

/** A yes/no question; "no" unless the answer says yes (y, yes, Yes). */
export function confirmPrompt(message: string, initial = false): Prompt<boolean> {
  return (ctx) => confirm({ message, default: initial, theme }, ctx);
}
