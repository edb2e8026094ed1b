/**
 * Test factories in gemini-cli's createMockX(overrides) style: each builds a complete, working fake with
 * defaults a test can override field by field, so a unit file states only what its case is about.
 *   createMockContext  a task context (InstallContext) for a task tree run with listr2's silent renderer
 *   createMockRunner   the table-driven fake runner (fake-runner.ts), optionally watching each command
 *   createMockJournal  a journal that records the steps done, in order
 *   createMockClock    a clock that moves only when slept on, recording each pause
 *   waitFor            polls an assertion until it passes, instead of a fixed sleep
 */

import { vi } from 'vitest';
import type {
  Clock,
  FileStore,
  HttpClient,
  InstallContext,
  Journal,
  RunOptions,
} from '../../src/core/context.js';
import type { Platform } from '../../src/core/platform.js';
import { systemClock } from '../../src/system/timer.js';
import { type FakeRow, FakeRunner } from './fake-runner.js';
import { MemoryLogger } from './memory-logger.js';

export interface MockRunnerOptions {
  /** The commands it knows, first match wins; any other command throws. */
  rows?: FakeRow[];
  /** Sees every command before it is answered (e.g. to collect what was fed on stdin). */
  onRun?: (cmd: RunOptions) => void;
}

/** The fake runner: answers from its table, records `calls` in order, throws on an unknown command. */
export function createMockRunner(overrides: MockRunnerOptions = {}): FakeRunner {
  const runner = new FakeRunner(overrides.rows ?? []);
  const { onRun } = overrides;
  if (onRun) {
    const run = runner.run.bind(runner);
    runner.run = (cmd, opts) => {
      onRun(cmd);
      return run(cmd, opts);
    };
  }
  return runner;
}

export interface MockJournal extends Journal {
  /** The steps done during the test, in order. */
  readonly journaled: string[];
}

/** A journal that starts with `completed` and records each step done (and tells `onDone`, if given). */
export function createMockJournal(
  completed: Iterable<string> = [],
  onDone?: (step: string) => void,
): MockJournal {
  const journaled: string[] = [];
  return {
    completed: new Set(completed),
    journaled,
    done(step) {
      onDone?.(step);
      journaled.push(step);
    },
  };
}

/** A clock that stands still until slept on: sleeping advances it, and each pause is recorded in `slept`. */
export function createMockClock(start = 1_700_000_000_000): Clock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    async sleep(ms) {
      slept.push(ms);
      now += ms;
    },
  };
}

/** An HTTP client that refuses every request: a test that expects requests passes its own. */
const noHttp: HttpClient = {
  async request(url) {
    throw new Error(`createMockContext: unexpected HTTP request to ${url} (pass http in the overrides)`);
  },
};

/** A file store with no files that refuses to write: a test that writes passes a RealFileStore on a temp root. */
const noFiles: FileStore = {
  real: (path) => path,
  readText: async () => undefined,
  exists: async () => false,
  async write(spec) {
    throw new Error(`createMockContext: unexpected write of ${spec.path} (pass files in the overrides)`);
  },
};

export type MockContextOverrides = Partial<InstallContext> & Pick<InstallContext, 'answers' | 'platform'>;

/**
 * A task context with working defaults: the answers' data dir as the project dir, the platform's compose files,
 * a runner that knows no command, no files and no HTTP (each throws, naming what to pass), a memory log, a
 * recording journal, a 1 s readiness timeout and a 5 ms poll on the real clock. Override any field.
 */
export function createMockContext<Extra extends object = object>(
  overrides: MockContextOverrides & Extra,
): InstallContext & Extra {
  const platform: Platform = overrides.platform;
  return {
    plan: { files: [], commands: [] },
    project: `${platform.id}-test`,
    proxyProject: 'proxy-test',
    projectDir: overrides.answers.dataDir,
    composeFiles: platform.composeFiles,
    dryRun: false,
    runner: createMockRunner(),
    files: noFiles,
    http: noHttp,
    log: new MemoryLogger(),
    journal: createMockJournal(),
    notes: [],
    readyTimeoutSeconds: 1,
    pollIntervalMs: 5,
    clock: systemClock,
    ...overrides,
  };
}

/**
 * Polls `check` until it returns without throwing (an `expect` passes) and resolves with its value; throws the
 * last failure after `timeoutMs`. Use it instead of a fixed sleep: it waits exactly as long as the code under
 * test takes, and names what never happened. vitest's own vi.waitFor, with this project's defaults.
 */
export function waitFor<T>(
  check: () => T | Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  return vi.waitFor(check, { timeout: opts.timeoutMs ?? 2000, interval: opts.intervalMs ?? 5 });
}
