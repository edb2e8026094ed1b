import { Box, Text } from 'ink';

/** What an upgrade will do: the path, the backup, the rule that shaped it. */
export function UpgradePlan(p: {
  title: string;
  name: string;
  current: string;
  steps: string[];
  releaseNotes: string;
  releaseList: string;
  unknown?: string | undefined;
  backupDir?: string | undefined;
  backupNote?: string | undefined;
  disk?: string | undefined;
  offline: boolean;
  dryRun: boolean;
}) {
  return (
    <Box flexDirection="column">
      <Text bold>
        {p.dryRun ? 'Dry run: ' : ''}Upgrade {p.name} ({p.title})
      </Text>
      <Text>
        {'  '}
        {[p.current, ...p.steps].join(' → ')}
        {p.steps.length > 1 ? (
          <Text dimColor>
            {'  '}(one step at a time, as {p.title}'s upgrade rules require)
          </Text>
        ) : null}
      </Text>
      <Text dimColor>
        {'  '}Release notes: {p.releaseNotes}
      </Text>
      <Text dimColor>
        {'  '}Release list: {p.releaseList}
      </Text>
      {p.unknown ? (
        <Text color="yellow">
          {'  '}
          {p.unknown}
        </Text>
      ) : null}
      <Text>
        {'  '}For each step: check it answers,{' '}
        {p.backupDir ? `back up to ${p.backupDir}, ` : <Text color="yellow">no backup (--no-backup), </Text>}
        {p.offline ? 'check the new images are here' : 'pull the new images'}, switch, wait until the new
        release answers.
      </Text>
      {p.backupDir && p.backupNote ? (
        <Text dimColor>
          {'  '}Backup: {p.backupNote}
        </Text>
      ) : null}
      {p.disk ? (
        <Text dimColor>
          {'  '}Disk: {p.disk}
        </Text>
      ) : null}
      <Text>{'  '}If the new release does not come up, the old one is put back by itself.</Text>
    </Box>
  );
}
