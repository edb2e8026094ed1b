import { Box, Text } from 'ink';
import { findPlatform } from '../../steps/index.js';
import { type ComposeContainer, composeCommand, parseComposePs } from '../core/compose.js';
import { parseEnv } from '../core/envfile.js';
import { redactDeep } from '../core/redact.js';
import { describeJournal } from '../core/upgrade-journal.js';
import { progressAlive, type RunProgressRecord, readProgress } from '../system/progress.js';
import type { InstallRecord } from '../system/state.js';
import { printStatic } from '../ui/screens.js';
import type { Deps } from './deps.js';
import { answersOfRecord, composeOfRecord, installsNamed } from './record.js';

export interface StatusEntry extends InstallRecord {
  /** Where users open it (the summary's URL). */
  url?: string;
  containers: ComposeContainer[];
  containersError?: string;
}

/** The URL the install's summary showed, from its record and its env file (absent for an unknown platform). */
async function urlOf(deps: Deps, r: InstallRecord): Promise<string | undefined> {
  const platform = findPlatform(r.platform);
  if (!platform) return undefined;
  const answers = answersOfRecord(r);
  const text = await deps.files
    .readText(platform.envFile?.(answers) ?? `${r.dataDir}/.env`)
    .catch(() => undefined);
  return platform.summary(answers, parseEnv(text ?? '').values, deps.env.hostPath).url;
}

async function containersOf(
  deps: Deps,
  r: InstallRecord,
): Promise<Pick<StatusEntry, 'containers' | 'containersError'>> {
  const res = await deps.runner
    .run({
      ...composeCommand(composeOfRecord(deps, r), ['ps', '--all', '--format', 'json']),
      reject: false,
      timeoutMs: 20_000,
    })
    .catch((e: Error) => ({ exitCode: 1, stdout: '', stderr: e.message }));
  if (res.exitCode !== 0)
    return {
      containers: [],
      containersError: res.stderr.trim().split('\n').pop() ?? 'docker compose ps failed',
    };
  return { containers: parseComposePs(res.stdout) };
}

/** `wizard status [INSTALL] [--json]`: every install in the state with its containers' live state. */
export async function statusCommand(opts: { json?: boolean; install?: string }, deps: Deps): Promise<void> {
  const state = deps.state();
  const records = installsNamed(state, opts.install);
  const entries: StatusEntry[] = await Promise.all(
    records.map(async (r) => {
      const url = await urlOf(deps, r);
      return { ...r, ...(url ? { url } : {}), ...(await containersOf(deps, r)) };
    }),
  );
  // A run changing this server now (another terminal, or one whose SSH session dropped): its progress.
  const progress = readProgress(deps.env.stateDir);
  const run = progressAlive(progress) ? progress : undefined;
  if (opts.json) {
    // A --repo-url with a token, an error quoting a command's output: through the redactor like every path out.
    const out = redactDeep({ stateFile: state.path, installs: entries, run: run ?? null }, (t) =>
      deps.log.redact(t),
    );
    deps.term.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  if (run) deps.term.stdout.write(`${runLines(run).join('\n')}\n\n`);
  if (entries.length === 0) {
    deps.term.stdout.write('No installs on this host yet. Run `wizard install` to create one.\n');
    return;
  }
  printStatic(<StatusView entries={entries} />, deps.term.stdout);
}

/** A run in progress as lines: what it does, its tasks so far, the running one's last output, its log. */
export function runLines(run: RunProgressRecord): string[] {
  const mark = { started: '❯', done: '✔', failed: '✖', skipped: '↓' } as const;
  return [
    `In progress: wizard ${run.command}: ${run.title} (pid ${run.pid}, since ${run.startedAt})`,
    ...run.tasks.map((t) => `  ${mark[t.state]} ${t.title}${t.detail ? ` [${t.detail}]` : ''}`),
    ...(run.output ? [`    › ${run.output.line}`] : []),
    `  log: ${run.log}`,
  ];
}

function StatusView({ entries }: { entries: StatusEntry[] }) {
  return (
    <Box flexDirection="column">
      {entries.map((e) => {
        const running = e.containers.filter((c) => c.state === 'running').length;
        const color =
          e.status !== 'installed'
            ? 'yellow'
            : running === e.containers.length && running > 0
              ? 'green'
              : 'red';
        return (
          <Box key={e.name} flexDirection="column" marginBottom={1}>
            <Text>
              <Text bold color={color}>
                {e.name}
              </Text>
              {`  ${findPlatform(e.platform)?.title ?? e.platform} ${e.release} (${e.status})`}
            </Text>
            {e.url ? <Text>{`  ${e.url}`}</Text> : null}
            <Text dimColor>
              {'  '}data {e.dataDir}, app 127.0.0.1:{e.port}, tls {e.tls}
            </Text>
            {e.containersError ? (
              <Text color="red">
                {'  '}containers: {e.containersError}
              </Text>
            ) : null}
            {e.containers.map((c) => (
              <Text key={c.name}>
                {'  '}
                <Text
                  color={
                    c.state === 'running'
                      ? 'green'
                      : c.state === 'exited' && c.exitCode === 0
                        ? 'gray'
                        : 'red'
                  }
                >
                  {c.state.padEnd(8)}
                </Text>{' '}
                {c.service.padEnd(34)} <Text dimColor>{c.status}</Text>
              </Text>
            ))}
            {e.lastError ? (
              <Text color="yellow">
                {'  '}last error: {e.lastError}
              </Text>
            ) : null}
            {e.upgradeJournal ? (
              <Text color="yellow">
                {'  '}
                {describeJournal(e.upgradeJournal)}: run wizard upgrade {e.name}
              </Text>
            ) : null}
          </Box>
        );
      })}
    </Box>
  );
}
