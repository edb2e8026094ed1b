import { Box, Text } from 'ink';
import { symbols } from './theme.js';
import { Hanging, wrapLines } from './wrap.js';

export interface ReviewFile {
  path: string;
  mode: string;
  kind: 'file' | 'dir';
  description: string;
  secret?: boolean;
  change: 'create' | 'update' | 'keep';
}

export interface ReviewCommand {
  command: string;
  description: string;
  /** Runs only when this holds ("only on an empty database"). */
  when?: string;
}

export interface ReviewProps {
  title: string;
  answers: [string, string][];
  files: ReviewFile[];
  commands: ReviewCommand[];
  notes: string[];
  dryRun?: boolean;
  /**
   * The key answers with a count of files and commands (the question offers the lists one key away), or the
   * whole plan (--dry-run, --yes, no terminal).
   */
  full?: boolean;
  /**
   * Without a terminal and without a question (`--yes` in a CI log): the counts, and the log that lists every
   * file and command (planLogLines) instead of the keys that would.
   */
  logPath?: string;
  /** The terminal's width; `Infinity` without a terminal (no wrapping: a file or command stays on one line). */
  width?: number;
}

const changeColor = { create: 'green', update: 'yellow', keep: 'gray' } as const;

/** What the install will do, before anything changes: the key answers, then the plan or a count of it. */
export function Review({
  title,
  answers,
  files,
  commands,
  notes,
  dryRun,
  full,
  logPath,
  width = 80,
}: ReviewProps) {
  const labelWidth = Math.max(...answers.map(([k]) => k.length), 'Commands'.length) + 2;
  const row = (k: string, v: string) => (
    <Hanging key={k} label={<Text dimColor>{k}</Text>} labelWidth={labelWidth} width={width - 2}>
      {v}
    </Hanging>
  );
  const changes = (['create', 'update', 'keep'] as const)
    .map((c) => [c, files.filter((f) => f.change === c).length] as const)
    .filter(([, n]) => n > 0)
    .map(([c, n]) => `${n} to ${c}`);
  return (
    <Box flexDirection="column">
      <Text bold>
        {wrapLines(
          dryRun ? `Dry run: what installing ${title} would do` : `Review: installing ${title}`,
          width,
        )}
      </Text>
      <Box flexDirection="column" marginLeft={2} marginTop={1}>
        {answers.map(([k, v]) => row(k, v))}
      </Box>
      {full ? (
        <>
          <ReviewFiles files={files} width={width} />
          <ReviewCommands commands={commands} width={width} />
        </>
      ) : (
        <Box flexDirection="column" marginLeft={2} marginTop={1}>
          {row(
            'Files',
            `${files.length} (${changes.join(', ') || 'none'}); ${logPath ? 'the log lists them' : 'f lists them'}`,
          )}
          {row(
            'Commands',
            `${commands.length}; ${logPath ? 'the log lists them (so does --dry-run)' : 'c lists them'}`,
          )}
          {logPath ? row('Log', logPath) : null}
        </Box>
      )}
      {notes.length > 0 ? (
        <Box flexDirection="column" marginTop={1}>
          {notes.map((n) => (
            <Box key={n}>
              <Text color="yellow">{`${symbols.warn} `}</Text>
              <Text color="yellow">{wrapLines(n, width - 2)}</Text>
            </Box>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}

/** The files the install writes: change and mode, the path, and under it what the file is. */
export function ReviewFiles({ files, width = 80 }: { files: ReviewFile[]; width?: number }) {
  const column = width - 2 - 12;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>Files</Text>
      {files.map((f) => (
        <Box key={f.path} marginLeft={2}>
          <Box width={12} flexShrink={0}>
            <Text>
              <Text color={changeColor[f.change]}>{f.change.padEnd(6)}</Text> {f.mode}
            </Text>
          </Box>
          <Box flexDirection="column">
            <Text>{wrapLines(`${f.path}${f.kind === 'dir' ? '/' : ''}`, column)}</Text>
            <Text dimColor>
              {wrapLines(`${f.description}${f.secret ? ' (secret: not shown)' : ''}`, column)}
            </Text>
          </Box>
        </Box>
      ))}
    </Box>
  );
}

/** The commands the install runs, in order: what each is for (and when it runs), and the command itself. */
export function ReviewCommands({ commands, width = 80 }: { commands: ReviewCommand[]; width?: number }) {
  const numberWidth = String(commands.length).length + 2;
  const column = width - 2 - numberWidth;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>Commands</Text>
      {commands.map((c, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a static list in which one command may appear twice.
        <Box key={`${i}-${c.command}`} marginLeft={2}>
          <Box width={numberWidth} flexShrink={0}>
            <Text dimColor>{`${i + 1}.`}</Text>
          </Box>
          <Box flexDirection="column">
            <Text dimColor>{wrapLines(`${c.description}${c.when ? `; ${c.when}` : ''}`, column)}</Text>
            <Text>{wrapLines(c.command, column)}</Text>
          </Box>
        </Box>
      ))}
    </Box>
  );
}

/** The plan as the log keeps it: one line per file and per command, whatever their length. */
export function planLogLines({ files, commands }: Pick<ReviewProps, 'files' | 'commands'>): string[] {
  return [
    ...files.map(
      (f) =>
        `plan: file ${f.change} ${f.mode} ${f.path}${f.kind === 'dir' ? '/' : ''}: ${f.description}${f.secret ? ' (secret: not shown)' : ''}`,
    ),
    ...commands.map(
      (c, i) => `plan: command ${i + 1}: ${c.description}${c.when ? `; ${c.when}` : ''}: ${c.command}`,
    ),
  ];
}

/**
 * The columns a review needs so that no line wraps (a render without a terminal): its longest text plus the
 * widest indent before it. Ink lays a screen out on a grid as wide as its columns, so "wide enough" is kept small.
 */
export function reviewColumns(props: ReviewProps): number {
  const labelWidth = Math.max(...props.answers.map(([k]) => k.length), 'Commands'.length) + 2;
  const texts = [
    `Dry run: what installing ${props.title} would do`,
    ...props.answers.map(([, v]) => v),
    ...props.files.flatMap((f) => [f.path, `${f.description} (secret: not shown)`]),
    ...props.commands.flatMap((c) => [c.command, `${c.description}; ${c.when ?? ''}`]),
    ...props.notes,
    props.logPath ?? '',
    '999 (999 to create, 999 to update, 999 to keep); the log lists them (so does --dry-run)',
  ];
  return (
    Math.max(...texts.map((t) => t.length)) +
    Math.max(labelWidth, 14, String(props.commands.length).length + 4) +
    4
  );
}
