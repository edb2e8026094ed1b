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
}

export interface RunResult {
  command: string;
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface CommandRunner {
  run(cmd: RunOptions, opts?: { signal?: AbortSignal; onLine?: (line: string) => void }): Promise<RunResult>;
}

export type WriteOutcome = 'created' | 'updated' | 'unchanged';

export interface FileStore {
  /** Real path of a logical host path (WIZARD_ROOT applied). */
  real(path: string): string;
  readText(path: string): Promise<string | undefined>;
  exists(path: string): Promise<boolean>;
  /** Atomic: temp file, fsync, mode and owner set, rename; the previous version is kept as PATH.bak. */
  write(spec: FileSpec): Promise<WriteOutcome>;
}

export interface HttpClient {
  request(
    url: string,
    opts?: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number; signal?: AbortSignal },
  ): Promise<{ status: number; body: string }>;
}

export interface Logger {
  readonly path: string;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Every later line has this value replaced by ***. */
  addSecret(value: string): void;
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
  /** Set by the readiness task. */
  readyVersion?: string;
  /** Set by tasks that learn something the summary shows. */
  notes: string[];
  /** How long readiness may take, in seconds (the platform's default unless overridden). */
  readyTimeoutSeconds: number;
  pollIntervalMs: number;
}
