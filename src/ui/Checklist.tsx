import { Box, Text } from 'ink';
import type { CheckOutcome } from '../core/checks.js';
import { statusColor, symbols } from './theme.js';

export interface ChecklistItem {
  id: string;
  title: string;
  outcome?: CheckOutcome;
}

/**
 * The prerequisite report: one line per check with its verdict and detail, a remedy line under each problem,
 * each wrapping at the terminal's width under its own text (a hanging indent); a note when warnings are shown,
 * since only failures stop the install.
 */
export function Checklist({ title, items }: { title?: string | undefined; items: ChecklistItem[] }) {
  const width = Math.max(...items.map((i) => i.title.length), 10);
  const warned = items.some((i) => i.outcome?.status === 'warn' || i.outcome?.ignored);
  return (
    <Box flexDirection="column">
      {title ? <Text bold>{title}</Text> : null}
      {items.map(({ id, title: t, outcome }) => {
        const status = outcome ? (outcome.ignored ? 'warn' : outcome.status) : 'pending';
        return (
          <Box key={id} flexDirection="column">
            <Box>
              <Box flexShrink={0} width={width + 4}>
                <Text>
                  <Text color={statusColor[status]}>{symbols[status]}</Text> {t}
                </Text>
              </Box>
              <Box flexShrink={1}>
                <Text dimColor={!outcome || outcome.status === 'ok'}>
                  {outcome ? outcome.detail : 'checking'}
                  {outcome?.ignored ? ` (ignored: --ignore-check ${id})` : ''}
                </Text>
              </Box>
            </Box>
            {outcome?.remedy && outcome.status !== 'ok' ? (
              <Box>
                <Box flexShrink={0} width={4}>
                  <Text color={statusColor[status]}>{`  ${symbols.arrow}`}</Text>
                </Box>
                <Box flexShrink={1}>
                  <Text color={statusColor[status]}>
                    {outcome.remedy}
                    {outcome.status === 'fail' && !outcome.ignored ? `  (or --ignore-check ${id})` : ''}
                  </Text>
                </Box>
              </Box>
            ) : null}
          </Box>
        );
      })}
      {warned ? (
        <Text dimColor>{`${symbols.warn} Warnings don't stop the install; fix them when you can.`}</Text>
      ) : null}
    </Box>
  );
}

/**
 * The columns a checklist needs so that no line wraps (a render without a terminal): Ink lays a screen out on a
 * grid as wide as its columns, so a pipe gets whole lines from a grid just wide enough, not 10,000 columns wide.
 */
export function checklistColumns(title: string | undefined, items: ChecklistItem[]): number {
  const width = Math.max(...items.map((i) => i.title.length), 10) + 4;
  const texts = [
    title ?? '',
    "  Warnings don't stop the install; fix them when you can.",
    ...items.flatMap(({ id, outcome }) => [
      `${outcome?.detail ?? 'checking'} (ignored: --ignore-check ${id})`,
      `${outcome?.remedy ?? ''}  (or --ignore-check ${id})`,
    ]),
  ];
  return Math.max(...texts.map((t) => t.length)) + width + 1;
}
