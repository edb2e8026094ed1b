import { Box, Text } from 'ink';

export interface ReviewProps {
  title: string;
  answers: [string, string][];
  files: {
    path: string;
    mode: string;
    kind: 'file' | 'dir';
    description: string;
    secret?: boolean;
    change: 'create' | 'update' | 'keep';
  }[];
  commands: { command: string; description: string }[];
  notes: string[];
  dryRun?: boolean;
}

const changeColor = { create: 'green', update: 'yellow', keep: 'gray' } as const;

/** What the install will do, before anything changes. */
export function Review({ title, answers, files, commands, notes, dryRun }: ReviewProps) {
  const keyWidth = Math.max(...answers.map(([k]) => k.length));
  return (
    <Box flexDirection="column">
      <Text bold>
        {dryRun ? `Dry run: what installing ${title} would do` : `Review: installing ${title}`}
      </Text>
      <Box flexDirection="column" marginLeft={2} marginTop={1}>
        {answers.map(([k, v]) => (
          <Text key={k}>
            <Text dimColor>{k.padEnd(keyWidth)}</Text>
            {'  '}
            {v}
          </Text>
        ))}
      </Box>
      <Box marginTop={1}>
        <Text bold>Files</Text>
      </Box>
      <Box flexDirection="column" marginLeft={2}>
        {files.map((f) => (
          <Text key={f.path}>
            <Text color={changeColor[f.change]}>{f.change.padEnd(6)}</Text> {f.mode} {f.path}
            {f.kind === 'dir' ? '/' : ''}{' '}
            <Text dimColor>
              {f.description}
              {f.secret ? ' (secret: not shown)' : ''}
            </Text>
          </Text>
        ))}
      </Box>
      <Box marginTop={1}>
        <Text bold>Commands</Text>
      </Box>
      <Box flexDirection="column" marginLeft={2}>
        {commands.map((c, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a static list in which one command may appear twice.
          <Text key={`${i}-${c.command}`}>
            <Text dimColor>{String(i + 1).padStart(2)}.</Text> {c.command}{' '}
            <Text dimColor># {c.description}</Text>
          </Text>
        ))}
      </Box>
      {notes.length > 0 ? (
        <Box flexDirection="column" marginTop={1}>
          {notes.map((n) => (
            <Text key={n} color="yellow">
              ⚠ {n}
            </Text>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}
