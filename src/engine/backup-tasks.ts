import {
  type Archiver,
  type ArchiveSource,
  BACKUP_FORMAT,
  type BackupHeader,
  type BackupInstall,
  type BackupManifest,
  backupFileName,
  dumpMember,
  fileMember,
  folderMember,
  HEADER_MEMBER,
  type ManifestMember,
  volumeMember,
} from '../core/backup.js';
import { composeCommand } from '../core/compose.js';
import type { InstallContext } from '../core/context.js';
import { WizardError } from '../core/errors.js';
import type { UpgradeIO } from '../core/platform.js';
import { shown, untilReady } from './upgrade-tasks.js';

/** What one backup needs besides the install's context. */
export interface BackupContext extends InstallContext {
  archiver: Archiver;
  /** The wizard's version, written into the header (a restore refuses a newer one's). */
  wizard: string;
  install: BackupInstall;
  kind: BackupHeader['kind'];
  /** Logical folder the archive goes to. */
  dir: string;
  stamp: string;
  upgrade?: { from: string; to: string };
  /** Extra files (logical paths) the backup keeps, e.g. the wizard's state before an upgrade. */
  keep: string[];
  /** The install's state record, kept in the header. */
  state?: BackupHeader['state'];
}

export interface BackupResult {
  file: string;
  /** `sha256-members-v1:HEX` (src/core/backup-digest.ts). */
  digest: string;
  size: number;
  members: ManifestMember[];
  skipped: { path: string; why: string }[];
  /** Seconds the stopped services were down, up to when the app answered again (0: nothing stopped). */
  downtimeSeconds: number;
  stopped: string[];
  /** The services stopped for the copy did not answer again (the archive is whole; the app needs a look). */
  notBack?: string;
}

/** The files a backup keeps: settings and secrets, the platform's other files, the compose files, `keep`. */
export function backupFiles(
  ctx: Pick<BackupContext, 'platform' | 'answers' | 'projectDir' | 'composeFiles' | 'keep'>,
) {
  const spec = ctx.platform.upgrade?.backup;
  return [
    ...new Set([
      ...(spec?.envFiles(ctx.answers) ?? [`${ctx.answers.dataDir}/.env`]),
      ...(spec?.files?.(ctx.answers) ?? []),
      ...ctx.composeFiles.map((c) => `${ctx.projectDir}/${c}`),
      ...ctx.keep,
    ]),
  ];
}

/** The real folder of each of the project's named volumes the backup holds (by Compose's labels). */
export async function volumePaths(
  ctx: Pick<InstallContext, 'runner' | 'project' | 'answers'>,
  names: string[],
  signal?: AbortSignal,
) {
  const out: { name: string; path: string }[] = [];
  for (const name of names) {
    const ls = await ctx.runner.run(
      {
        file: 'docker',
        args: [
          'volume',
          'ls',
          '--quiet',
          '--filter',
          `label=com.docker.compose.project=${ctx.project}`,
          '--filter',
          `label=com.docker.compose.volume=${name}`,
        ],
      },
      signal ? { signal } : {},
    );
    const volume = ls.stdout.trim().split('\n')[0];
    if (!volume)
      throw new WizardError(
        `The volume "${name}" of ${ctx.answers.name} does not exist (project ${ctx.project}).`,
        'Start the install once (wizard install repairs it), then back up.',
      );
    const inspect = await ctx.runner.run({
      file: 'docker',
      args: ['volume', 'inspect', '--format', '{{.Mountpoint}}', volume],
    });
    out.push({ name, path: inspect.stdout.trim() });
  }
  return out;
}

/**
 * The image the dump's service runs (for the trial restore of `wizard backup verify`), by Compose's labels: plain
 * `docker ps` costs a tenth of the CPU of `docker compose ps`, which would load the project beside the dump.
 */
async function serviceImage(ctx: BackupContext, service: string): Promise<string | undefined> {
  const r = await ctx.runner.run({
    file: 'docker',
    args: [
      'ps',
      '--filter',
      `label=com.docker.compose.project=${ctx.project}`,
      '--filter',
      `label=com.docker.compose.service=${service}`,
      '--format',
      '{{.Image}}',
    ],
    reject: false,
  });
  return r.stdout.trim().split('\n')[0] || undefined;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/**
 * Takes one backup: the database dumped inside its container (into a temp file beside the archive), then one
 * archive of the header, the files, the dump, the data folders and volumes, and the manifest. Services the
 * platform stops for consistency stop just before the archive is written and start again before the manifest
 * (a failure starts them too); the app is then waited for, and the downtime measured up to its answer.
 */
export async function takeBackup(ctx: BackupContext, io: UpgradeIO): Promise<BackupResult> {
  const spec = ctx.platform.upgrade?.backup;
  const signal = io.signal ? { signal: io.signal } : {};
  const dir = ctx.files.real(ctx.dir);
  await ctx.files.write({ kind: 'dir', path: ctx.dir, mode: 0o700, description: 'backups' });
  const release = ctx.upgrade?.from ?? ctx.answers.version;
  const name = backupFileName(ctx.answers.name, ctx.stamp, release, ctx.upgrade?.to);
  const file = `${dir}/${name}`;
  const dumpPath = `${dir}/.${name}.dump`;
  const files = backupFiles(ctx);
  const dump = spec?.dump;
  const folders = (spec?.folders ?? []).map((f) => f.path);
  const volumes = (spec?.volumes ?? []).map((v) => v.name);
  const stop = spec?.downtime.stop ?? [];
  let shownMiB = 0;
  let stoppedAt: number | undefined;
  let startedAt: number | undefined;
  const startAgain = async () => {
    if (stoppedAt === undefined || startedAt !== undefined) return;
    io.output(`Starting ${stop.join(', ')} again...`);
    await ctx.runner.run({ ...composeCommand(ctx, ['start', ...stop]), ignoreAbort: true });
    startedAt = ctx.clock.now();
  };
  try {
    const sources: ArchiveSource[] = [];
    for (const f of files) sources.push({ kind: 'file', name: fileMember(f), path: ctx.files.real(f) });
    let image: string | undefined;
    // The archive's hashing threads start now, while the dump runs, not after it.
    ctx.archiver.prepare?.();
    if (dump) {
      // Which image the database runs (for `backup verify`), asked while the dump runs.
      const asked = serviceImage(ctx, dump.service);
      io.output(`Dumping the database (${shown(dump.command)})...`);
      await ctx.runner.run(
        {
          ...composeCommand(ctx, ['exec', '-T', dump.service, ...dump.command]),
          stdoutFile: dumpPath,
          remedy:
            'The database must be running for the backup (wizard doctor says why it is not). Nothing was changed.',
        },
        signal,
      );
      if (!(await ctx.archiver.size(dumpPath)))
        throw new WizardError(
          `The database dump of ${ctx.answers.name} is empty.`,
          'Check that the database container runs (wizard doctor). Nothing was changed.',
        );
      sources.push({ kind: 'file', name: dumpMember(dump.file), path: dumpPath });
      image = await asked;
    }
    for (const f of folders)
      sources.push({
        kind: 'tree',
        name: folderMember(f),
        path: ctx.files.real(`${ctx.answers.dataDir}/${f}`),
      });
    for (const v of await volumePaths(ctx, volumes, io.signal))
      sources.push({ kind: 'tree', name: volumeMember(v.name), path: v.path });
    const header: BackupHeader = {
      format: BACKUP_FORMAT,
      kind: ctx.kind,
      wizard: ctx.wizard,
      createdAt: new Date(ctx.clock.now()).toISOString(),
      install: ctx.install,
      ...(ctx.state ? { state: ctx.state } : {}),
      contents: {
        files,
        ...(dump ? { dump: { file: dump.file, service: dump.service, ...(image ? { image } : {}) } } : {}),
        folders,
        volumes,
      },
      ...(ctx.upgrade ? { upgrade: ctx.upgrade } : {}),
    };
    if (stop.length) {
      io.output(`Stopping ${stop.join(', ')} while the data is copied (${spec?.downtime.why})...`);
      await ctx.runner.run(composeCommand(ctx, ['stop', ...stop]), signal);
      stoppedAt = ctx.clock.now();
    }
    const written = await ctx.archiver.write(
      file,
      [{ kind: 'bytes', name: HEADER_MEMBER, content: `${JSON.stringify(header, null, 2)}\n` }, ...sources],
      {
        ...signal,
        onProgress: (bytes) => {
          // A line per 256 MiB: enough to see it move, few enough for a log.
          const mib = Math.floor(bytes / 1024 ** 2 / 256) * 256;
          if (mib <= shownMiB) return;
          shownMiB = mib;
          io.output(`Writing ${name}: ${mib} MiB`);
        },
        finish: async (members, skipped) => {
          await startAgain();
          const manifest: BackupManifest = {
            format: BACKUP_FORMAT,
            members,
            skipped,
            downtime: {
              seconds: stoppedAt && startedAt ? seconds(startedAt - stoppedAt) : 0,
              stopped: stop,
              why: spec?.downtime.why ?? 'none',
            },
          };
          return `${JSON.stringify(manifest)}\n`;
        },
      },
    );
    if (dump && !written.members.some((m) => m.path === dumpMember(dump.file) && m.size > 0))
      throw new WizardError(`The backup ${file} holds no database dump.`);
    let downtimeSeconds = 0;
    let notBack: string | undefined;
    if (stoppedAt !== undefined) {
      try {
        await untilReady(ctx, io);
      } catch (e) {
        notBack = e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e);
      }
      downtimeSeconds = seconds(ctx.clock.now() - stoppedAt);
    }
    return { ...written, downtimeSeconds, stopped: stop, ...(notBack ? { notBack } : {}) };
  } finally {
    await startAgain();
    await ctx.archiver.remove(dumpPath);
  }
}
