import { Box, Text } from 'ink';
import type { Finding } from '../core/doctor.js';
import { statusColor, symbols } from './theme.js';

const sym = { ok: symbols.ok, warn: symbols.warn, fail: symbols.fail } as const;
const color = { ok: statusColor.ok, warn: statusColor.warn, fail: statusColor.fail } as const;

/**
 * The doctor's report: host findings, then each install's, problems with evidence and the fixing command. Each
 * evidence and remedy wraps under its own text (a hanging indent), like the checklist.
 */
export function DoctorReport({
  findings,
  fixed,
  columns,
}: {
  findings: Finding[];
  fixed: string[];
  /** The terminal's width: titles then take at most 40% of it and wrap in their column (none: never wrap). */
  columns?: number;
}) {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = f.install ? `Install ${f.install}` : 'This server';
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const fails = findings.filter((f) => f.severity === 'fail').length;
  const warns = findings.filter((f) => f.severity === 'warn').length;
  return (
    <Box flexDirection="column">
      {fixed.length > 0 ? (
        <Box flexDirection="column" marginBottom={1}>
          <Text bold>Fixed</Text>
          {fixed.map((f) => (
            <Text key={f}>
              {'  '}
              {symbols.ok} {f}
            </Text>
          ))}
        </Box>
      ) : null}
      {[...groups].map(([group, list]) => {
        const longest = Math.max(...list.map((f) => f.title.length));
        const width = columns ? Math.min(longest, Math.max(16, Math.floor(columns * 0.4))) : longest;
        return (
          <Box key={group} flexDirection="column" marginBottom={1}>
            <Text bold>{group}</Text>
            {list.map((f, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: ids repeat across containers
              <Box key={`${f.id}-${i}`} flexDirection="column">
                <Box>
                  <Box flexShrink={0} width={2}>
                    <Text color={color[f.severity]}>{sym[f.severity]}</Text>
                  </Box>
                  <Box flexShrink={0} width={width + 2}>
                    <Text>{f.title}</Text>
                  </Box>
                  <Box flexShrink={1}>
                    <Text dimColor={f.severity === 'ok'}>{f.evidence}</Text>
                  </Box>
                </Box>
                {f.remedy && f.severity !== 'ok' ? (
                  <Box>
                    <Box flexShrink={0} width={6}>
                      <Text color={color[f.severity]}>{`    ${symbols.arrow}`}</Text>
                    </Box>
                    <Box flexShrink={1}>
                      <Text color={color[f.severity]}>{f.remedy}</Text>
                    </Box>
                  </Box>
                ) : null}
              </Box>
            ))}
          </Box>
        );
      })}
      <Text bold color={fails ? 'red' : warns ? 'yellow' : 'green'}>
        {fails ? `${fails} problem${fails > 1 ? 's' : ''}` : warns ? 'No problems' : 'All good'}
        {warns ? `, ${warns} warning${warns > 1 ? 's' : ''}` : ''}.
      </Text>
    </Box>
  );
}
