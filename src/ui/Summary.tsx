import { Box, Text } from 'ink';
import { Hanging, wrapLines } from './wrap.js';

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
  /** Under --tls none: what the user's own proxy must do before the URL answers. */
  ownProxy?: { intro: string; items: string[] };
  /** The terminal's width (80 when not a terminal). */
  width?: number;
  /** The terminal's height: the QR code is drawn only where it fits above the login. */
  rows?: number;
}

const LABEL = 10;
const OPEN = 'Open ';

/**
 * The end of a successful install: next steps first, then (on a screen) the QR code, and last the URL, the
 * login, the password and where it is stored, so that they are what a 24-row terminal shows when it is done.
 */
export function Summary(p: SummaryProps) {
  const width = p.width ?? 80;
  const { login } = p;
  // "Open" and the URL, what to do there wrapping under the URL.
  const open = wrapLines(
    `${p.link}${login || !p.action ? ' and log in as the first admin:' : ` ${p.action}`}`,
    width - OPEN.length,
  );
  const password = p.showPassword && login?.password ? login.password : undefined;
  const where = login ? wrapLines(login.where, width - 2 - LABEL) : '';
  const finale = open.split('\n').length + (login ? 2 + where.split('\n').length : 0);
  // qrcode ends its drawing with a line of colour codes only: not a row worth a line.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal colour codes are what is looked past
  const qrLines = (p.qr ?? '').split('\n').filter((l) => l.replace(/\x1b\[[0-9;]*m/g, '').trim() !== '');
  const qrRows = qrLines.length;
  // The QR code, the blank line above the URL and the shell's prompt after it must fit with the login.
  const qr =
    qrRows > 0 && (p.rows === undefined || qrRows + 1 + finale + 1 <= p.rows)
      ? qrLines.join('\n')
      : undefined;
  const bullet = (text: string) => (
    <Hanging label={<Text>{'  • '}</Text>} labelWidth={4} width={width}>
      {text}
    </Hanging>
  );
  return (
    <Box flexDirection="column">
      <Text bold color="green">
        {wrapLines(`✔ ${p.title} ${p.version} is running.`, width)}
      </Text>
      <Box flexDirection="column" marginTop={1}>
        <Text bold>Next steps</Text>
        {p.notes.map((n) => {
          // A note's further lines are preformatted (e.g. DNS records): never wrapped, so they copy whole.
          const [head = '', ...rest] = n.split('\n');
          return (
            <Box key={n} flexDirection="column">
              {bullet(head)}
              {rest.length > 0 ? (
                <Box width={100_000}>
                  <Text>{rest.join('\n')}</Text>
                </Box>
              ) : null}
            </Box>
          );
        })}
        {/* A path is never broken inside (it is copied whole): on a line of its own when the line is too narrow. */}
        <Box marginLeft={2} width={100_000}>
          <Text dimColor>
            {`Log of this run: ${p.logPath}`.length <= width - 2
              ? `Log of this run: ${p.logPath}`
              : `Log of this run:\n${p.logPath}`}
          </Text>
        </Box>
      </Box>
      {p.ownProxy ? (
        <Box flexDirection="column" marginTop={1}>
          <Text bold>Your proxy</Text>
          <Box marginLeft={2}>
            <Text>{wrapLines(p.ownProxy.intro, width - 2)}</Text>
          </Box>
          {p.ownProxy.items.map((i) => (
            <Box key={i}>{bullet(i)}</Box>
          ))}
        </Box>
      ) : null}
      {qr ? (
        <Box marginTop={1}>
          <Text>{qr}</Text>
        </Box>
      ) : qrRows > 0 ? (
        <Text dimColor>{wrapLines(`(The URL's QR code needs ${qrRows + finale + 2} rows.)`, width)}</Text>
      ) : null}
      <Box flexDirection="column" marginTop={1}>
        <Box>
          <Text>{OPEN}</Text>
          <Text>{open}</Text>
        </Box>
        {login ? (
          <Box flexDirection="column" marginLeft={2}>
            <Box>
              <Box width={LABEL} flexShrink={0}>
                <Text>username</Text>
              </Box>
              <Text bold>{wrapLines(login.username, width - 2 - LABEL)}</Text>
            </Box>
            <Box>
              <Box width={LABEL} flexShrink={0}>
                <Text>password</Text>
              </Box>
              {password ? <Text bold>{password}</Text> : <Text dimColor>unchanged (not shown again)</Text>}
            </Box>
            <Box>
              <Box width={LABEL} flexShrink={0}>
                <Text dimColor>stored in</Text>
              </Box>
              <Text dimColor>{where}</Text>
            </Box>
          </Box>
        ) : null}
      </Box>
    </Box>
  );
}
