import { Box, Text } from 'ink';
import type { Finding } from '../core/doctor.js';
import { statusColor, symbols } from './theme.js';

const sym = { ok: symbols.pass, warn: symbols.warn, fail: symbols.fail } as const;
const color = { ok: statusColor.pass, warn: statusColor.warn, fail: statusColor.fail } as const;

/** The doctor's report: host findings, then each install's, problems with evidence and the fixing command. */
export function DoctorReport({ findings, fixed }: { findings: Finding[]; fixed: string[] }) {
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
              {symbols.pass} {f}
            </Text>
          ))}
        </Box>
      ) : null}
      {[...groups].map(([group, list]) => {
        const width = Math.max(...list.map((f) => f.title.length));
        return (
          <Box key={group} flexDirection="column" marginBottom={1}>
            <Text bold>{group}</Text>
            {list.map((f, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: ids repeat across containers
              <Box key={`${f.id}-${i}`} flexDirection="column">
                <Text>
                  <Text color={color[f.severity]}>{sym[f.severity]}</Text> {f.title.padEnd(width)}
                  {'  '}
                  <Text dimColor={f.severity === 'ok'}>{f.evidence}</Text>
                </Text>
                {f.remedy && f.severity !== 'ok' ? (
                  <Text color={color[f.severity]}>
                    {'    '}
                    {symbols.arrow} {f.remedy}
                  </Text>
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
