import { Box, Text } from 'ink';
import type { CheckOutcome } from '../core/checks.js';
import { statusColor, symbols } from './theme.js';

export interface ChecklistItem {
  id: string;
  title: string;
  outcome?: CheckOutcome;
}

/** The prerequisite report: one line per check with its verdict and detail, a remedy line under each problem. */
export function Checklist({ title, items }: { title?: string; items: ChecklistItem[] }) {
  const width = Math.max(...items.map((i) => i.title.length), 10);
  return (
    <Box flexDirection="column">
      {title ? <Text bold>{title}</Text> : null}
      {items.map(({ id, title: t, outcome }) => {
        const status = outcome ? (outcome.ignored ? 'warn' : outcome.status) : 'pending';
        return (
          <Box key={id} flexDirection="column">
            <Text>
              <Text color={statusColor[status]}>{symbols[status]}</Text> {t.padEnd(width)}
              {'  '}
              <Text dimColor={!outcome || outcome.status === 'pass'}>
                {outcome ? outcome.detail : 'checking'}
                {outcome?.ignored ? ` (ignored: --ignore-check ${id})` : ''}
              </Text>
            </Text>
            {outcome?.remedy && outcome.status !== 'pass' ? (
              <Text color={statusColor[status]}>
                {'  '}
                {symbols.arrow} {outcome.remedy}
                {outcome.status === 'fail' && !outcome.ignored ? `  (or --ignore-check ${id})` : ''}
              </Text>
            ) : null}
          </Box>
        );
      })}
    </Box>
  );
}
