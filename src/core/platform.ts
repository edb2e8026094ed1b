// over 300 lines: the Platform contract (its types and definePlatform): one interface a platform's author reads top to bottom.

import type { Check } from './checks.js';
import type { InstallContext } from './context.js';
import type { DoctorCheck, GatherContext, LogPattern } from './doctor.js';
import type { Validation } from './domain.js';
import type { KernelDatabase } from './kernel.js';
import type { FileSpec } from './plan.js';
import type { ReleaseFeed } from './release-feed.js';
import type { Step, StepInput } from './step.js';
import type { UpgradeRule } from './upgrade.js';

/** How an upgrade's own steps report progress and learn of Ctrl-C. */
export interface UpgradeIO {
  signal?: AbortSignal;
  output: (line: string) => void;
}

export interface UpgradeSpec {
  rule: UpgradeRule;
  /** Where the release notes are, shown with the path. */
  releaseNotes: string;
  /** Where newer releases are published (read by `wizard upgrade` only); the shipped list is merged in. */
  feed?: ReleaseFeed;
  /** The env-file keys a release sets (e.g. RELEASE and the database version it needs). */
  envFor: (release: Release) => Record<string, string>;
  /** The file envFor writes to (default: the platform's envFile, else DATA_DIR/.env), e.g. Mastodon's image tags. */
  envFile?: (answers: InstallAnswers) => string;
  /** What a backup holds and how it comes back (`wizard backup`, `wizard restore`, and the upgrade's backup). */
  backup?: BackupSpec;
  /** Shown in the plan when there is no database dump: what the backup holds and what it does not. */
  backupNote?: string;
  /**
   * Brings the new release up and waits until it answers as `ctx.answers.version` (e.g. Mastodon: pre-deployment
   * migrations, `up -d`, post-deployment migrations, both health endpoints and the version), running every command
   * through `ctx.runner` with `io.signal`. Called after the new release is in the env file; when it throws, the
   * switch puts the old env file back, starts the old release and waits for it (the automatic rollback).
   * Default: `docker compose up -d` and the readiness wait (the container's health check with `readiness.health`).
   */
  apply?: (ctx: InstallContext, io: UpgradeIO) => Promise<void>;
  /**
   * After a run killed while switching: resolves with the version when the release `ctx.answers.version` answers
   * (within `ctx.readyTimeoutSeconds`), rejects otherwise; it may finish what the switch does after the start when
   * that is idempotent (Mastodon's post-deployment migrations). Default: the readiness wait with the version.
   */
  probe?: (ctx: InstallContext, io: UpgradeIO) => Promise<string>;
  /**
   * The env-file key that holds the release (e.g. MASTODON_VERSION). An env file without it was written by an
   * older wizard, before the layout the upgrade changes: the upgrade refuses it, nothing changed, and names the
   * install re-run that moves it to the current layout.
   */
  versionKey?: string;
}

export type TlsMode = 'letsencrypt' | 'selfsigned' | 'none';
export const TLS_MODES: readonly TlsMode[] = ['letsencrypt', 'selfsigned', 'none'];

/** A database dump taken inside a container, written to stdout (e.g. mongodump --archive). */
export interface DumpSpec {
  service: string;
  command: string[];
  /** The dump's name inside the backup (e.g. mongodb.archive). */
  file: string;
  /** Reads the dump on stdin and replaces the database with it (e.g. mongorestore --archive --drop). */
  restore: string[];
  /** Services stopped while the database is restored (the app, so nothing writes meanwhile). */
  stop: string[];
  /**
   * `wizard backup verify`'s trial restore: a scratch container of the service's image (no network, removed
   * after) started with `env`, `ready` polled until it exits 0, the dump fed to `restore`, then `check`
   * printing a count of what `counted` names (table, database).
   */
  scratch: { env: Record<string, string>; ready: string[]; check: string[]; counted: string };
}

/**
 * Everything an install needs to come back, as data: the database dump, the folders and volumes holding user
 * data, the files holding settings and secrets, and what stops (and why) while the backup reads.
 */
export interface BackupSpec {
  dump?: DumpSpec;
  /** Folders under the data dir that hold user data (relative paths), copied as they are. */
  folders?: { path: string; what: string }[];
  /** Named volumes of the Compose project that hold user data. */
  volumes?: { name: string; what: string }[];
  /**
   * Files holding the settings and secrets (logical paths). On a new server they are put in place before the
   * install runs, so it keeps their secrets (the database's password among them) instead of generating new ones.
   */
  envFiles: (answers: InstallAnswers) => string[];
  /** Other files restored with the data (e.g. Mastodon's owner login), after the install on a new server. */
  files?: (answers: InstallAnswers) => string[];
  /** The app's downtime while the backup reads: services stopped for consistency (none: it keeps serving). */
  downtime: { stop: string[]; why: string };
  /** Services stopped while a restore puts the data back (default: the dump's `stop`). */
  restoreStop?: string[];
  /** Proves after a restore that the first admin still logs in (absent: the platform has no admin account). */
  adminLogin?: (ctx: InstallContext, signal?: AbortSignal) => Promise<{ ok: boolean; detail: string }>;
}

/** Answers every platform shares; `extra` holds the platform's own questions, keyed by question key. */
export interface InstallAnswers {
  platform: string;
  name: string;
  domain: string;
  email: string;
  version: string;
  dataDir: string;
  tls: TlsMode;
  port: number;
  repoUrl: string;
  offline: boolean;
  extra: Record<string, string>;
}

export interface Release {
  version: string;
  /** Anything the release pins alongside (e.g. the database version it needs). */
  [key: string]: string | boolean | undefined;
  tested?: boolean;
}

/** A platform-specific question, answered by flag, env var, answers file or prompt, like the shared ones. */
export interface Question {
  key: string;
  flag: string;
  env: string;
  message: string;
  /** Shown in the question, e.g. "Owner username (e.g. owner):" (the default, when there is one, is shown too). */
  example?: string;
  description: string;
  choices?: { value: string; name: string; description?: string }[];
  default?: string;
  validate?: (value: string) => Validation<string>;
  /** The answer is a secret (e.g. a password): hidden in the review, redacted from the log. */
  secret?: boolean;
  /** Asked (and shown in the review) only when this holds for the platform answers given so far. */
  when?: (extra: Record<string, string>) => boolean;
  /**
   * Not asked in the question flow: a flag, env var or answers-file key only, or asked when a check needs
   * another value (e.g. a host port that is taken).
   */
  hidden?: boolean;
}

export interface Requirements {
  memoryMiB: number;
  diskGiB: number;
  /** Host ports the install publishes, given its answers (the proxy's 80/443 are added by the spine). */
  ports: (answers: InstallAnswers) => number[];
  /**
   * Host ports besides the app port that the platform's compose files publish (e.g. MongoDB's on loopback): a
   * second install of the platform on the host gets the next free ones, kept in answers.extra[key].
   */
  hostPorts?: { key: string; default: number; what: string }[];
  /** What the platform serves on its ports, named when one is taken (25: 'SMTP'). */
  portNames?: Record<number, string>;
  /** The remedy when a port is taken by something the shared check doesn't know (default: --port). */
  portsRemedy?: string;
  /** Ports the Internet must reach (default: the published ports below 1024; the proxy's 80/443 are added). */
  publicPorts?: (answers: InstallAnswers) => number[];
  /** The platform delivers mail itself on port 25 (a mail server), so outbound 25 must be open. */
  sendsMail?: boolean;
}

export interface PlanInput {
  answers: InstallAnswers;
  /** Text of files that already exist at the paths the plan writes (merged, never clobbered). */
  existing: Record<string, string | undefined>;
  templates: (name: string) => string;
  /** The compose project name for this install. */
  project: string;
  /** Maps a logical host path (/opt/x) to the real one (under WIZARD_ROOT). */
  hostPath: (p: string) => string;
  generateSecret: () => string;
}

export interface Readiness {
  /** Path polled on 127.0.0.1:PORT. */
  path: string;
  /** The port polled (default: the app port, answers.port). */
  port?: (answers: InstallAnswers) => number;
  /** Verdict on one answer: ready (with the version it reports, from the body or a header) or why not yet. */
  judge: (
    status: number,
    body: string,
    headers?: Record<string, string>,
  ) => { ready: boolean; version?: string; detail: string };
  /** The service whose logs explain a failure. */
  service: string;
  timeoutSeconds: number;
  /**
   * Install waits for the service container's Docker health check instead of polling `path` (a first start
   * that takes minutes); `progress` picks what of its log lines to show, `fatal` fails the wait early.
   */
  health?: { progress?: (line: string) => string | undefined; fatal?: RegExp };
}

/**
 * One stage of a stack's start order: its services are started and waited for before the next stage starts
 * (e.g. the database until it accepts connections), so the platforms' own wait loops never sleep.
 */
export interface StartStage {
  /** What the stage brings up, in progress lines and errors: "MongoDB". */
  title: string;
  services: string[];
  /**
   * When it counts as up: its one-time containers finished with exit code 0; a command run in a container of
   * the stage succeeds (e.g. `pg_isready`); a container takes TCP connections on a port; their Docker health
   * checks pass; or they were started.
   */
  until:
    | { kind: 'exited' }
    | { kind: 'healthy' }
    | { kind: 'exec'; service: string; command: string[] }
    /**
     * A container of the stage accepts TCP connections on PORT (its own port, on its own address): what a
     * `nc -z host port` start-up loop waits for, without running a program in the container.
     */
    | { kind: 'port'; service: string; port: number }
    /** Only started before the next stage (e.g. a helper the next one waits for by itself, without sleeping). */
    | { kind: 'started' };
}

/** A path the shared proxy routes to a local port. */
export interface ProxyLocation {
  path: string;
  port: number;
  /** Buffer responses (off for streaming endpoints). */
  buffering?: boolean;
}

/**
 * What any proxy in front of the app must do, beyond routing `proxyLocations`: the shared proxy does it, and under
 * --tls none the summary tells the user what theirs must do.
 */
export interface ProxyNeeds {
  /** Paths where the app speaks websockets (the proxy passes Upgrade and Connection). */
  websockets: string[];
  /** Request headers the app reads, e.g. 'X-Forwarded-Proto: https'. */
  headers: string[];
  /** Why, where it is not obvious (e.g. "Mastodon redirects plain http"). */
  note?: string;
}

export interface Summary {
  url: string;
  login?: { username: string; password?: string; where: string };
  /** What the user does at the URL when there is no login (default with a login: "log in as the first admin"). */
  action?: string;
  notes: string[];
}

export interface Platform {
  id: string;
  title: string;
  description: string;
  defaultDataDir: string;
  defaultPort: number;
  /** Known releases, newest first; the first with `tested` is the default. */
  releases: Release[];
  requirements: Requirements;
  /** The database it runs, for the kernel's known-bad ranges (assets/kernels.json); "none" still keeps data on disk. */
  database?: KernelDatabase;
  questions: Question[];
  /** The email answer is also the first admin's (false: only Let's Encrypt's notices go there, e.g. chatmail). */
  adminEmail?: boolean;
  /** The upstream compose repository the install is cloned from, if any. */
  repo?: { url: string; branch: string };
  /** Files the wizard writes inside the clone, kept out of git status. */
  composeFiles: string[];
  templates: string[];
  /** Pure: the files the install writes (the env file merged with what is there). */
  files: (input: PlanInput) => FileSpec[];
  /**
   * The install's steps, in order, built from the shared step declarations (src/engine/tasks.ts): each declares
   * the files it writes and the commands it runs once, and the review, `--dry-run` and the run read them.
   */
  install: (input: StepInput) => Step[];
  readiness: Readiness;
  /** The order the stack starts in (the shared compose-up follows it); the services no stage names start after. */
  startOrder?: StartStage[];
  /**
   * Services nothing waits for (e.g. metrics exporters), started after all the others while the readiness wait
   * runs: Docker starts one container at a time, so they never hold up the app's.
   */
  startLast?: string[];
  /**
   * The big images a release runs, pulled in the background while the questions are asked (before the compose
   * files are even there): the install's own pull then finds them. The rest comes with that pull.
   */
  images?: (answers: Pick<InstallAnswers, 'version' | 'extra'>, release: Release | undefined) => string[];
  /** The env file holding the install's settings and secrets (default: DATA_DIR/.env); the summary reads it. */
  envFile?: (answers: InstallAnswers) => string;
  summary: (answers: InstallAnswers, env: Record<string, string>, hostPath: (p: string) => string) => Summary;
  /** What the proxy routes for this platform (default: / to the app port). */
  proxyLocations?: (answers: InstallAnswers) => ProxyLocation[];
  /** What a proxy in front of it must pass (the user's own under --tls none); absent when it serves TLS itself. */
  proxyNeeds?: ProxyNeeds;
  /** Host checks the platform adds to the shared ones (one with a shared check's id replaces it). */
  checks?: Check[];
  /** The platform serves 80/443 and its TLS itself: the wizard never writes or starts the shared proxy for it. */
  ownTls?: boolean;
  /** Answers the shared validation can't judge for this platform (e.g. a TLS mode it can't serve); each is exit 2. */
  validateAnswers?: (answers: Partial<InstallAnswers>) => { key: string; error: string; remedy: string }[];
  /** How `wizard upgrade` moves this platform between releases. */
  upgrade?: UpgradeSpec;
  /**
   * What `wizard doctor` adds for this platform: failures known from its logs, its own checks, and the facts
   * they read beyond the shared ones (`gather`, run beside the shared gathering, bounded by a timeout; into `facts.extra`).
   */
  doctor?: {
    logPatterns?: LogPattern[];
    checks?: DoctorCheck[];
    gather?: (ctx: GatherContext) => Promise<Record<string, unknown>>;
  };
  /** Secrets (env keys) whose values are redacted from logs. */
  secretKeys: string[];
}

export function definePlatform(p: Platform): Platform {
  return p;
}
