import type { CertificateRequestFacts } from './acme.js';
import type { HostProbe } from './checks.js';
import type { InstallAnswers } from './platform.js';
import type { UpgradeJournal } from './upgrade-journal.js';

/**
 * Doctor findings: each carries evidence and the command that fixes it. Checks are data; they run
 * concurrently, each bounded by a timeout, over facts gathered once per install.
 */
export type Severity = 'ok' | 'warn' | 'fail';

export interface Finding {
  id: string;
  severity: Severity;
  title: string;
  evidence: string;
  remedy?: string;
  /** A finer kind, where a check tells causes apart (certificate-request: dns, connection, ...). */
  class?: string;
  /** The install the finding is about (absent for host findings). */
  install?: string;
  /** A safe remedy `--fix` may apply. */
  fix?: SafeFix;
}

export type SafeFix =
  | { kind: 'start-containers'; description: string }
  | { kind: 'chmod'; path: string; mode: number; description: string }
  /** chown -R: a folder the plan gives to a container's user, owned by someone else. */
  | { kind: 'chown'; path: string; uid: number; gid: number; description: string }
  | { kind: 'wait-ready'; description: string };

export interface ContainerFacts {
  service: string;
  name: string;
  state: string;
  health: string;
  restartCount: number;
  exitCode: number;
  oomKilled: boolean;
  /** One-shot helpers (e.g. an init container) may exit 0. */
  restartPolicy: string;
}

/** Everything the install checks look at, gathered once (tests record it). */
export interface InstallFacts {
  name: string;
  platform: string;
  domain: string;
  tls: string;
  release: string;
  dataDir: string;
  envFile: string;
  env: Record<string, string> | undefined;
  /** Mode of each secret-holding file, by real path (undefined: missing). */
  secretFileModes: Record<string, number | undefined>;
  /** Who holds each host port the install (and the proxy it uses) needs; `container`: a process in a container. */
  portHolders?: { port: number; process?: string; pid?: number; container: boolean }[];
  containers: ContainerFacts[] | { error: string };
  /** Recent log lines of every container, prefixed with the service name by Compose. */
  logs: string;
  readiness: { ok: boolean; version?: string; detail: string; url: string };
  /** Through https://DOMAIN when TLS is on. */
  publicReadiness?: { ok: boolean; version?: string; detail: string; url: string };
  certificate?: { issuer: string; daysLeft: number } | { error: string };
  /** The newest certificate request's failure from the TLS terminator's log, with DNS and firewall facts. */
  certificateRequest?: CertificateRequestFacts;
  /** The command that shows the shared proxy's log (with its compose project), when the install uses it. */
  proxyLogs?: string;
  /** The platform serves 80/443 and gets its certificate itself (no shared proxy to look at). */
  ownTls?: boolean;
  /** Folders the plan gives to a container's user (uid:gid), with their owner now (gathered as root only). */
  ownedPaths?: { path: string; want: { uid: number; gid: number }; actual?: { uid: number; gid: number } }[];
  /** What the platform's own `doctor.gather` found (its checks read it). */
  extra?: Record<string, unknown>;
  /** An upgrade the wizard was killed in (the state's journal). */
  upgradeJournal?: UpgradeJournal;
}

/** What a platform's `doctor.gather` may use; every call is bounded and never throws. */
export interface GatherContext {
  answers: InstallAnswers;
  /** The install's folder (real path). */
  dataDir: string;
  compose: (
    args: string[],
    timeoutMs?: number,
  ) => Promise<{ exitCode: number; stdout: string; stderr: string }>;
  http: (
    url: string,
    timeoutMs?: number,
  ) => Promise<{ status: number; body: string; headers?: Record<string, string> }>;
  /** Reads a file by its logical path (undefined: missing). */
  readText: (path: string) => Promise<string | undefined>;
  probe: HostProbe;
  templates: (name: string) => string;
}

export interface LogPattern {
  id: string;
  title: string;
  match: RegExp;
  severity: Severity;
  remedy: string;
  /** Also seen during a normal start (e.g. waiting for the database): ignored while the install is healthy. */
  transient?: boolean;
}

export interface DoctorCheck {
  id: string;
  title: string;
  run: (facts: InstallFacts) => Finding | Finding[] | undefined;
}

/** A finding that says all is well. */
export const ok = (id: string, title: string, evidence: string): Finding => ({
  id,
  severity: 'ok',
  title,
  evidence,
});
