import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import wrapAnsi from 'wrap-ansi';

/**
 * Screens laid out for a width: text wraps at word boundaries (a word longer than its column, such as a path, is
 * broken), and a wrapped line never starts with a space. Ink's own wrapping keeps that space; this does not.
 * Without a terminal there is no width (`Infinity`): each line stays whole.
 */
export function wrapLines(text: string, width: number): string {
  if (!Number.isFinite(width)) return text;
  return wrapAnsi(text, Math.max(1, width), { hard: true, trim: true });
}

/** A label in a column of its own and a value that wraps under itself (a hanging indent). */
export function Hanging({
  label,
  labelWidth,
  width,
  children,
  dim,
}: {
  /** The label, already styled. */
  label: ReactNode;
  labelWidth: number;
  /** Columns for label and value together. */
  width: number;
  children: string;
  dim?: boolean;
}) {
  return (
    <Box>
      <Box width={labelWidth} flexShrink={0}>
        {label}
      </Box>
      <Text dimColor={dim ?? false}>{wrapLines(children, width - labelWidth)}</Text>
    </Box>
  );
}
