import type { HostProbe } from './checks.js';
import type { FileSpec, Plan } from './plan.js';
import type { InstallAnswers, Platform } from './platform.js';

/** Side-effect interfaces: src/system implements them, tests fake them. Core and steps import only these. */
export interface RunOptions {
  file: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  input?: string;
  /** Throw CommandFailedError on a non-zero exit (default true). */
  reject?: boolean;
  timeoutMs?: number;
  /** A remedy attached to the error when the command fails. */
  remedy?: string;
  /** Hand the command the terminal (stdin, stdout, stderr), e.g. `docker compose logs --follow`; nothing is captured. */
  inherit?: boolean;
  /** With inherit: stdout and stderr go through this, line by line (e.g. terminal escapes dropped for a pipe). */
  lineFilter?: (line: string) => string;
  /** Stream stdout into this file (created 0600) instead of capturing it, e.g. a database dump. */
  stdoutFile?: string;
  /** Feed stdin from this file (streamed), e.g. a database dump to restore. */
  stdinFile?: string;
  /** Runs even after Ctrl-C or SIGTERM: a rollback must be able to finish. */
  ignoreAbort?: boolean;
  /** The output holds a secret (e.g. a generated password): it is not written to the log. */
  secretOutput?: boolean;
}

export interface RunResult {
  command: string;
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface CommandRunner {
  run(cmd: RunOptions, opts?: { signal?: AbortSignal; onLine?: (line: string) => void }): Promise<RunResult>;
  /** From here on, run `docker compose ARGS` as Compose's own binary at PATH (checked to be the one docker runs). */
  runComposeAs?(path: string): void;
}

export type WriteOutcome = 'created' | 'updated' | 'unchanged';

export interface FileStore {
  /** Real path of a logical host path (WIZARD_ROOT applied). */
  real(path: string): string;
  /** Never through a link: a link where the wizard expects its own file stops the run, named. */
  readText(path: string): Promise<string | undefined>;
  exists(path: string): Promise<boolean>;
  /**
   * Atomic and root-safe: a random temp name opened O_EXCL|O_NOFOLLOW in a folder only root can change, fsync,
   * mode and owner set through the descriptor, rename; the previous version kept as PATH.bak. A folder with an
   * owner other than root is a leaf handed to that uid. A link or a foreign owner on the way stops the run, named.
   */
  write(spec: FileSpec): Promise<WriteOutcome>;
}

export interface HttpClient {
  request(
    url: string,
    opts?: {
      method?: string;
      body?: string;
      headers?: Record<string, string>;
      timeoutMs?: number;
      signal?: AbortSignal;
      ignoreAbort?: boolean;
    },
  ): Promise<{
    status: number;
    body: string /** Response headers, names in lower case. */;
    headers?: Record<string, string>;
    /** The body's bytes as received (signatures, and files verified against them). */
    bytes?: Uint8Array;
  }>;
  /**
   * Opens a TCP connection and closes it: resolves when HOST:PORT accepts one, throws why not ("connection
   * refused", "timed out", "host unreachable") otherwise.
   */
  connect?(host: string, port: number, opts?: { timeoutMs?: number; signal?: AbortSignal }): Promise<void>;
}

export interface Logger {
  readonly path: string;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Every later line has this value, in each of its forms, replaced by [redacted]. */
  addSecret(value: string): void;
}

/** Time for waits: src/system gives the real one, tests a fake; core never reads a clock or sets a timer itself. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts (the caller checks it). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The install's journal: which steps completed, persisted in the state as they complete. */
export interface Journal {
  readonly completed: ReadonlySet<string>;
  done(step: string): void | Promise<void>;
}

export interface InstallContext {
  answers: InstallAnswers;
  platform: Platform;
  plan: Plan;
  project: string;
  /** The compose project name of the shared proxy. */
  proxyProject: string;
  /** Logical path of the compose project directory (the clone). */
  projectDir: string;
  composeFiles: string[];
  dryRun: boolean;
  runner: CommandRunner;
  files: FileStore;
  http: HttpClient;
  log: Logger;
  journal: Journal;
  /** Host facts (addresses, DNS) for tasks that show or check them; absent in tests that need none. */
  probe?: HostProbe;
  /** The assets' templates, for tasks that render one with what they learn at run time. */
  templates?: (name: string) => string;
  /** Set by the readiness task. */
  readyVersion?: string;
  /** Set by tasks that learn something the summary shows. */
  notes: string[];
  /** The install starts on data an earlier install of its name left (earlier-data check): its first admin is theirs. */
  keptData?: boolean;
  /** How long readiness may take, in seconds (the platform's default unless overridden). */
  readyTimeoutSeconds: number;
  pollIntervalMs: number;
  clock: Clock;
  /** When this run's shared compose-up started the stack (epoch ms): the waits after it judge exits from then on. */
  stackStartedAt?: number;
  /** The platform's `startLast` services still starting (src/engine/start.ts): the step that waits for readiness joins it. */
  startingLast?: Promise<void>;
}
