import semver from 'semver';
import type { ArchiveExpectation } from './backup-digest.js';
import type { InstallAnswers, Platform } from './platform.js';

/**
 * Backups as data: the archive's layout and manifest, the checks a restore makes before it trusts one, names,
 * retention, and what the state records. Pure: the archive is written and read in src/system/archive.ts.
 *
 * An archive is a plain (uncompressed) tar: the header `wizard-backup.json` first, then the members, then
 * `manifest.json` with each member's size and SHA-256. Members live under four folders: `files/` (env and compose
 * files, by their logical path), `dump/` (the database dump), `folders/` (user data under the data dir) and
 * `volumes/` (named Docker volumes). Only regular files and folders: never links or devices.
 */
export const BACKUP_FORMAT = 1;
export const HEADER_MEMBER = 'wizard-backup.json';
export const MANIFEST_MEMBER = 'manifest.json';
export const MEMBER_ROOTS = ['files', 'dump', 'folders', 'volumes'] as const;
/** The largest header and manifest a restore reads into memory. */
export const HEADER_MAX_BYTES = 1 << 20;
export const MANIFEST_MAX_BYTES = 64 << 20;

/** The install as the backup recorded it: its answers (no secrets) and where it lived. */
export interface BackupInstall {
  name: string;
  platform: string;
  domain: string;
  email: string;
  dataDir: string;
  release: string;
  tls: InstallAnswers['tls'];
  port: number;
  repoUrl: string;
  project: string;
  composeFiles: string[];
  extra: Record<string, string>;
}

export interface BackupHeader {
  format: number;
  /** `backup`: wizard backup (and uninstall's); `upgrade`: taken before an upgrade step. */
  kind: 'backup' | 'upgrade';
  /** The wizard that wrote it. */
  wizard: string;
  createdAt: string;
  install: BackupInstall;
  /** What is inside, by logical name. */
  contents: {
    files: string[];
    dump?: { file: string; service: string; image?: string };
    folders: string[];
    volumes: string[];
  };
  /** For an upgrade's backup: the step it was taken before. */
  upgrade?: { from: string; to: string };
  /** The install's whole state record as it was (no secrets: those are in the env files), e.g. its history. */
  state?: { history?: { from: string; to: string; result: string; at: string; backup?: string }[] } & Record<
    string,
    unknown
  >;
}

export interface ManifestMember {
  path: string;
  type: 'file' | 'dir';
  size: number;
  sha256?: string;
}

export interface BackupManifest {
  format: number;
  members: ManifestMember[];
  /** Entries of the data folders left out: links, sockets, devices (a restore refuses them). */
  skipped: { path: string; why: string }[];
  downtime: { seconds: number; stopped: string[]; why: string };
}

/** A backup as the state records it (host-wide: it outlives the install's record). */
export interface BackupRecord {
  /** Real path of the archive. */
  file: string;
  /** The archive digest, `sha256-members-v1:HEX` (src/core/backup-digest.ts): what a restore checks. */
  digest?: string;
  /** Backups recorded before the digest: the SHA-256 of the whole file (still checked, the old way). */
  sha256?: string;
  size: number;
  install: string;
  platform: string;
  release: string;
  kind: BackupHeader['kind'];
  createdAt: string;
  /** The restic snapshot it was also stored as. */
  snapshot?: { repo: string; id: string };
}

export type Period = 'daily' | 'weekly';
export const PERIOD_SECONDS: Record<Period, number> = { daily: 86_400, weekly: 7 * 86_400 };

/** A schedule as the state records it on the install. */
export interface BackupSchedule {
  period: Period;
  keep: number;
  /** Logical folder the scheduled backups go to. */
  to: string;
  repo?: string;
  unit: string;
  /** Written and enabled (a real root with systemd), or only written (under WIZARD_ROOT, or no systemd). */
  enabled: boolean;
  at: string;
}

/** A control character (C0 or DEL) anywhere in the text. */
export const hasControl = (text: string) =>
  [...text].some((c) => {
    const n = c.charCodeAt(0);
    return n < 32 || n === 127;
  });

/**
 * Why an archive member's name is refused, if it is: absolute, `..`, empty or `.` segments, a backslash or
 * a control character, or outside the four member folders (the header and the manifest aside).
 */
export function memberNameProblem(name: string): string | undefined {
  if (name === '') return 'an empty name';
  if (hasControl(name)) return 'a control character in its name';
  if (name.startsWith('/')) return 'an absolute path';
  if (name.includes('\\')) return 'a backslash in its name';
  const segments = name.replace(/\/$/, '').split('/');
  if (segments.includes('..')) return 'a ".." path';
  if (segments.some((s) => s === '' || s === '.')) return 'an empty or "." path segment';
  if (name === HEADER_MEMBER || name === MANIFEST_MEMBER) return undefined;
  if (!(MEMBER_ROOTS as readonly string[]).includes(segments[0] ?? ''))
    return 'a name outside the backup layout';
  return undefined;
}

/** The member name of a file kept by its logical path: /opt/x/.env -> files/opt/x/.env. */
export const fileMember = (logical: string) => `files/${logical.replace(/^\/+/, '')}`;
export const dumpMember = (file: string) => `dump/${file}`;
export const folderMember = (rel: string) => `folders/${rel.replace(/^\/+|\/+$/g, '')}`;
export const volumeMember = (name: string) => `volumes/${name}`;

/** The file name of a backup: NAME-STAMP-RELEASE.tar, or NAME-STAMP-FROM-to-TO.tar before an upgrade. */
export function backupFileName(name: string, stamp: string, release: string, upgradeTo?: string): string {
  return `${name}-${stamp}-${release}${upgradeTo ? `-to-${upgradeTo}` : ''}.tar`;
}

/** Differences between what was read and what the manifest lists; empty when they agree member for member. */
export function manifestProblems(read: ManifestMember[], manifest: BackupManifest): string[] {
  const problems: string[] = [];
  const listed = new Map(manifest.members.map((m) => [m.path, m]));
  const seen = new Set<string>();
  for (const m of read) {
    seen.add(m.path);
    const want = listed.get(m.path);
    if (!want) problems.push(`${m.path} is in the archive but not in its manifest`);
    else if (want.type !== m.type) problems.push(`${m.path} is a ${m.type}, the manifest says ${want.type}`);
    else if (m.type === 'file' && (want.size !== m.size || want.sha256 !== m.sha256))
      problems.push(`${m.path} does not match its SHA-256 in the manifest (altered or damaged)`);
  }
  for (const p of listed.keys())
    if (!seen.has(p)) problems.push(`${p} is in the manifest but not in the archive`);
  return problems;
}

/**
 * Why a backup can't be restored here, judged on its header: an unknown format, a platform this wizard does
 * not know or another than the install it is restored into, a wizard newer than this one.
 */
export function headerProblem(
  h: BackupHeader,
  opts: {
    platforms: Pick<Platform, 'id' | 'title'>[];
    wizard: string;
    into?: { name: string; platform: string };
  },
): { error: string; remedy: string } | undefined {
  if (h.format !== BACKUP_FORMAT)
    return {
      error: `This backup has format ${h.format}; this wizard reads format ${BACKUP_FORMAT}.`,
      remedy: 'Restore it with the wizard that wrote it (wizard self-update may bring a newer one).',
    };
  const platform = opts.platforms.find((p) => p.id === h.install.platform);
  if (!platform)
    return {
      error: `This backup is of a platform this wizard does not know (${h.install.platform}).`,
      remedy: 'Restore it with the wizard that wrote it.',
    };
  if (semver.valid(h.wizard) && semver.valid(opts.wizard) && semver.gt(h.wizard, opts.wizard))
    return {
      error: `This backup was written by wizard ${h.wizard}, newer than this one (${opts.wizard}).`,
      remedy: 'Update the wizard first (wizard self-update), then restore.',
    };
  if (opts.into && opts.into.platform !== h.install.platform) {
    const into = opts.platforms.find((p) => p.id === opts.into?.platform)?.title ?? opts.into.platform;
    return {
      error: `This backup is of ${platform.title} (${h.install.name}); the install ${opts.into.name} is ${into}.`,
      remedy: `Restore it on a server without an install named ${h.install.name} (it is installed there first), or uninstall ${opts.into.name} first.`,
    };
  }
  return undefined;
}

/** Which of an install's backups `--keep N` removes: the oldest `wizard backup` ones beyond the newest N. */
export function toPrune(records: BackupRecord[], install: string, keep: number, dir: string): BackupRecord[] {
  const mine = records
    .filter(
      (r) => r.install === install && r.kind === 'backup' && r.file.startsWith(`${dir.replace(/\/$/, '')}/`),
    )
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return mine.slice(Math.max(0, keep));
}

export const human = (bytes: number) =>
  bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(1)} GiB`
    : bytes >= 1024 ** 2
      ? `${(bytes / 1024 ** 2).toFixed(1)} MiB`
      : bytes >= 1024
        ? `${(bytes / 1024).toFixed(1)} KiB`
        : `${bytes} B`;

/** What goes into an archive: a member held in memory, a file, or a folder (walked without following links). */
export type ArchiveSource =
  | { kind: 'bytes'; name: string; content: string }
  | { kind: 'file'; name: string; path: string }
  | { kind: 'tree'; name: string; path: string };

export interface WrittenArchive {
  file: string;
  /** `sha256-members-v1:HEX`, computed while it was written (each byte hashed once). */
  digest: string;
  size: number;
  members: ManifestMember[];
  skipped: { path: string; why: string }[];
}

export interface ReadArchive {
  digest: string;
  /** The whole file's SHA-256, when asked for (an older backup's record). */
  sha256?: string;
  size: number;
  header: BackupHeader;
  manifest: BackupManifest;
}

/** The archive side effects (src/system/archive.ts); tasks reach them through the context, tests fake them. */
export interface Archiver {
  write(
    file: string,
    sources: ArchiveSource[],
    opts: {
      finish: (members: ManifestMember[], skipped: { path: string; why: string }[]) => Promise<string>;
      signal?: AbortSignal;
      onProgress?: (bytes: number) => void;
    },
  ): Promise<WrittenArchive>;
  read(
    file: string,
    opts?: {
      into?: string;
      only?: (name: string) => boolean;
      expect?: ArchiveExpectation & { from: string };
      fileSha256?: boolean;
      signal?: AbortSignal;
      onProgress?: (bytes: number) => void;
    },
  ): Promise<ReadArchive>;
  readHeader(file: string): Promise<BackupHeader>;
  /** Gets the next write ready ahead of it (its hashing threads start while, say, the dump runs). */
  prepare?(): void;
  /** Text of a regular file (real path) without following a link, undefined when missing. */
  readText(path: string): Promise<string | undefined>;
  /** Size of a regular file (real path), undefined when missing. */
  size(path: string): Promise<number | undefined>;
  /** A fresh root-owned 0700 folder in `parent` (real path; created when missing), on its filesystem. */
  freshFolder(parent: string, prefix: string): Promise<string>;
  /** Puts the folder `from` in place of `to` (real paths), refusing a link anywhere below `base` on the way. */
  replaceFolder(from: string, to: string, base: string): Promise<void>;
  /** Empties `to` (a volume's folder) and moves the contents of `from` into it. */
  replaceContents(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  /** The filesystem (device id) a path is on, for "the backups share the data's disk". */
  device(path: string): Promise<number | undefined>;
}
