import { Box, Text } from 'ink';

export interface SummaryProps {
  title: string;
  url: string;
  /** The URL already wrapped as a terminal hyperlink where the terminal supports it. */
  link: string;
  qr?: string;
  login?: { username: string; password?: string; where: string };
  /** What to do at the URL when there is no login. */
  action?: string;
  showPassword: boolean;
  logPath: string;
  version: string;
  notes: string[];
}

/** The end of a successful install: where to go, how to log in, where things are. */
export function Summary({
  title,
  link,
  qr,
  login,
  action,
  showPassword,
  logPath,
  version,
  notes,
}: SummaryProps) {
  return (
    <Box flexDirection="column">
      <Text bold color="green">
        ✔ {title} {version} is running.
      </Text>
      <Box marginTop={1} flexDirection="column">
        <Text>
          Open <Text bold>{link}</Text>
          {login || !action ? ' and log in as the first admin:' : ` ${action}`}
        </Text>
        {login ? (
          <Box flexDirection="column" marginLeft={2}>
            <Text>
              username{'  '}
              <Text bold>{login.username}</Text>
            </Text>
            <Text>
              password{'  '}
              {showPassword && login.password ? (
                <Text bold>{login.password}</Text>
              ) : (
                <Text dimColor>unchanged (not shown again)</Text>
              )}
            </Text>
            <Text dimColor>stored in {login.where}</Text>
          </Box>
        ) : null}
      </Box>
      {qr ? <Text>{qr}</Text> : null}
      <Box flexDirection="column" marginTop={1}>
        <Text bold>Next steps</Text>
        {notes.map((n) => {
          // A note's further lines are preformatted (e.g. DNS records): never wrapped, so they copy whole.
          const [head, ...rest] = n.split('\n');
          return (
            <Box key={n} flexDirection="column">
              <Text>
                {'  '}• {head}
              </Text>
              {rest.length > 0 ? (
                <Box width={100_000}>
                  <Text>{rest.join('\n')}</Text>
                </Box>
              ) : null}
            </Box>
          );
        })}
        <Text dimColor>
          {'  '}Log of this run: {logPath}
        </Text>
      </Box>
    </Box>
  );
}
