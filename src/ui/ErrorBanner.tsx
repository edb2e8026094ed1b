import { Box, Text } from 'ink';

/**
 * The one way errors are shown: what failed, the remedy, and where the log is; each wraps at the terminal's
 * width under its own text (a hanging indent).
 */
export function ErrorBanner({
  message,
  remedy,
  logPath,
}: {
  message: string;
  remedy?: string;
  logPath?: string;
}) {
  return (
    <Box flexDirection="column">
      <Box>
        <Box flexShrink={0} width={2}>
          <Text color="red" bold>
            ✖
          </Text>
        </Box>
        <Box flexShrink={1}>
          <Text color="red" bold>
            {message.split('\n')[0]}
          </Text>
        </Box>
      </Box>
      {message
        .split('\n')
        .slice(1)
        .map((l, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: log lines repeat
          <Text key={i} dimColor>
            {'  '}
            {l}
          </Text>
        ))}
      {remedy ? (
        <Box>
          <Box flexShrink={0} width={4}>
            <Text>{'  →'}</Text>
          </Box>
          <Box flexShrink={1}>
            <Text>{remedy}</Text>
          </Box>
        </Box>
      ) : null}
      {logPath ? (
        <Text dimColor>
          {'  '}Log: {logPath}
        </Text>
      ) : null}
    </Box>
  );
}
