import { Box, Text } from 'ink';

/** The one way errors are shown: what failed, the remedy, and where the log is. */
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
      <Text color="red" bold>
        ✖ {message.split('\n')[0]}
      </Text>
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
        <Text>
          {'  '}→ {remedy}
        </Text>
      ) : null}
      {logPath ? (
        <Text dimColor>
          {'  '}Log: {logPath}
        </Text>
      ) : null}
    </Box>
  );
}
