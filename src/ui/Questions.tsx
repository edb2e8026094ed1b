import { Box, Text, useApp, useInput } from 'ink';
import { useEffect, useRef, useState } from 'react';
import { CancelledError } from '../core/errors.js';
import { symbols } from './theme.js';

export interface Choice {
  value: string;
  name: string;
  description?: string;
}

export interface QuestionStep {
  key: string;
  message: string;
  kind: 'select' | 'text';
  choices?: Choice[];
  initial?: string;
  /** Returns an error and its remedy, or the value to keep (normalised). */
  validate?: (value: string) => { ok: true; value: string } | { ok: false; error: string; remedy: string };
  /** A password: typed characters show as *. */
  secret?: boolean;
}

export function SelectQuestion({
  step,
  onSubmit,
}: {
  step: QuestionStep;
  onSubmit: (value: string) => void;
}) {
  const choices = step.choices ?? [];
  const nameWidth = Math.max(0, ...choices.map((c) => c.name.length));
  const [index, setIndexState] = useState(
    Math.max(
      0,
      choices.findIndex((c) => c.value === step.initial),
    ),
  );
  // Keys that arrive together (a laggy SSH link sends ↓ and Enter in one packet) are handled before React
  // renders again: the ref, not the rendered state, is what Enter picks.
  const current = useRef(index);
  const setIndex = (i: number) => {
    current.current = i;
    setIndexState(i);
  };
  useInput((input, key) => {
    const i = current.current;
    if (key.upArrow || input === 'k') setIndex((i - 1 + choices.length) % choices.length);
    else if (key.downArrow || input === 'j') setIndex((i + 1) % choices.length);
    else if (/^[1-9]$/.test(input) && Number(input) <= choices.length) setIndex(Number(input) - 1);
    else if (key.return) {
      const c = choices[i];
      if (c) onSubmit(c.value);
    }
  });
  return (
    <Box flexDirection="column">
      <Text bold>
        ? {step.message} <Text dimColor>(↑/↓ and Enter)</Text>
      </Text>
      {choices.map((c, i) => (
        <Text key={c.value} {...(i === index ? { color: 'cyan' } : {})}>
          {i === index ? symbols.pointer : ' '} {c.description ? c.name.padEnd(nameWidth) : c.name}
          {c.description ? (
            <Text dimColor>
              {'  '}
              {c.description}
            </Text>
          ) : null}
        </Text>
      ))}
    </Box>
  );
}

export function TextQuestion({ step, onSubmit }: { step: QuestionStep; onSubmit: (value: string) => void }) {
  const [value, setValueState] = useState('');
  const [error, setError] = useState<{ error: string; remedy: string } | undefined>();
  // The typed text as of the last key, not the last render: a paste or a fast typist over SSH delivers
  // "text\r" in one chunk, and Enter must submit all of it.
  const current = useRef('');
  const setValue = (v: string) => {
    current.current = v;
    setValueState(v);
  };
  const submit = () => {
    const raw = current.current === '' ? (step.initial ?? '') : current.current;
    const r = step.validate ? step.validate(raw) : ({ ok: true, value: raw } as const);
    if (r.ok) onSubmit(r.value);
    else setError({ error: r.error, remedy: r.remedy });
  };
  useInput((input, key) => {
    if (key.return) {
      submit();
      return;
    }
    if (key.backspace || key.delete) setValue(current.current.slice(0, -1));
    else if (input && !key.ctrl && !key.meta && !key.tab && !key.upArrow && !key.downArrow) {
      const newline = input.search(/[\r\n]/);
      setValue(current.current + (newline === -1 ? input : input.slice(0, newline)));
      if (newline !== -1) {
        submit();
        return;
      }
    }
    if (error) setError(undefined);
  });
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>? {step.message}</Text>{' '}
        {value === '' && step.initial ? <Text dimColor>({step.initial}) </Text> : null}
        <Text>{step.secret ? '*'.repeat(value.length) : value}</Text>
        <Text inverse> </Text>
      </Text>
      {error ? (
        <Box flexDirection="column">
          <Text color="red">
            {symbols.fail} {error.error}
          </Text>
          <Text color="red">
            {'  '}
            {symbols.arrow} {error.remedy}
          </Text>
        </Box>
      ) : null}
    </Box>
  );
}

/**
 * Asks questions one after the other. `next` returns the next question given the answers so far
 * (so later questions can depend on earlier ones), or undefined when all are answered.
 */
export function Questions({
  next,
  labels,
  onDone,
}: {
  next: (values: Record<string, string>) => QuestionStep | undefined;
  labels?: (key: string, value: string) => string;
  onDone: (values: Record<string, string>) => void;
}) {
  const { exit } = useApp();
  const [values, setValues] = useState<Record<string, string>>({});
  const [answered, setAnswered] = useState<{ message: string; shown: string }[]>([]);
  const [finished, setFinished] = useState(false);
  // Exit after the frame that shows the last answer, so it stays on screen.
  useEffect(() => {
    if (finished) exit();
  }, [finished, exit]);
  const step = finished ? undefined : next(values);
  useInput((input, key) => {
    if (key.ctrl && input === 'c')
      exit(new CancelledError('Cancelled at the questions; nothing was changed.'));
  });
  const submit = (value: string) => {
    if (!step) return;
    const nextValues = { ...values, [step.key]: value };
    setAnswered((a) => [
      ...a,
      {
        message: step.message,
        shown: step.secret ? '*'.repeat(value.length) : labels ? labels(step.key, value) : value,
      },
    ]);
    setValues(nextValues);
    if (!next(nextValues)) {
      onDone(nextValues);
      setFinished(true);
    }
  };
  return (
    <Box flexDirection="column">
      {answered.map((a) => (
        <Text key={a.message}>
          <Text color="green">{symbols.pass}</Text> {a.message} <Text color="cyan">{a.shown}</Text>
        </Text>
      ))}
      {step ? (
        step.kind === 'select' ? (
          <SelectQuestion key={step.key} step={step} onSubmit={submit} />
        ) : (
          <TextQuestion key={step.key} step={step} onSubmit={submit} />
        )
      ) : null}
    </Box>
  );
}

export function Confirm({ message, onAnswer }: { message: string; onAnswer: (yes: boolean) => void }) {
  const { exit } = useApp();
  const [done, setDone] = useState<boolean | undefined>();
  useEffect(() => {
    if (done !== undefined) exit();
  }, [done, exit]);
  useInput((input, key) => {
    if (done !== undefined) return;
    if (key.ctrl && input === 'c') {
      exit(new CancelledError('Cancelled at the review; nothing was changed.'));
      return;
    }
    const yes = /^y$/i.test(input);
    if (yes || /^n$/i.test(input) || key.return || key.escape) {
      setDone(yes);
      onAnswer(yes);
    }
  });
  return (
    <Text>
      <Text bold>? {message}</Text> <Text dimColor>(y/N)</Text>{' '}
      {done === undefined ? '' : done ? 'yes' : 'no'}
    </Text>
  );
}
