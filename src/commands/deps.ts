import type { HostProbe } from '../core/checks.js';
import type { CommandRunner, FileStore, HttpClient } from '../core/context.js';
import type { Platform } from '../core/platform.js';
import type { Environment } from '../system/environment.js';
import type { FileLogger } from '../system/log.js';
import type { Session } from '../system/signals.js';
import type { StateStore } from '../system/state.js';
import type { Terminal } from '../ui/screens.js';

/** Everything a command needs, made once in src/cli.tsx and passed down (no module-level state). */
export interface Deps {
  env: Environment;
  term: Terminal;
  runner: CommandRunner;
  files: FileStore;
  http: HttpClient;
  probe: HostProbe;
  /** A fresh probe after the host changed (cached answers dropped), e.g. once Docker was installed. */
  probeAfterChange?: () => HostProbe;
  log: FileLogger;
  state: () => StateStore;
  templates: (name: string) => string;
  platforms: Platform[];
  version: string;
  /** The signal handling's view of the run (src/system/signals.ts): a run phase survives a dropped terminal. */
  session?: Session;
}
