import { Box, Text } from 'ink';

export interface SummaryProps {
  title: string;
  url: string;
  /** The URL already wrapped as a terminal hyperlink where the terminal supports it. */
  link: string;
  qr?: string;
  login?: { username: string; password?: string; where: string };
  showPassword: boolean;
  logPath: string;
  version: string;
  notes: string[];
}

/** The end of a successful install: where to go, how to log in, where things are. */
export function Summary({ title, link, qr, login, showPassword, logPath, version, notes }: SummaryProps) {
  return (
    <Box flexDirection="column">
      <Text bold color="green">
        ✔ {title} {version} is running.
      </Text>
      <Box marginTop={1} flexDirection="column">
        <Text>
          Open <Text bold>{link}</Text> and log in as the first admin:
        </Text>
        {login ? (
          <Box flexDirection="column" marginLeft={2}>
            <Text>
              username  <Text bold>{login.username}</Text>
            </Text>
            <Text>
              password  {showPassword && login.password ? <Text bold>{login.password}</Text> : <Text dimColor>unchanged (not shown again)</Text>}
            </Text>
            <Text dimColor>stored in {login.where}</Text>
          </Box>
        ) : null}
      </Box>
      {qr ? <Text>{qr}</Text> : null}
      <Box flexDirection="column" marginTop={1}>
        <Text bold>Next steps</Text>
        {notes.map((n) => (
          <Text key={n}>  • {n}</Text>
        ))}
        <Text dimColor>  Log of this run: {logPath}</Text>
      </Box>
    </Box>
  );
}
