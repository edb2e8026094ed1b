import { type CertificateRequestFacts, certificateRequestFinding } from './acme.js';
import type { CheckOutcome, HostProbe } from './checks.js';
import type { InstallAnswers } from './platform.js';
import { Redactor } from './redact.js';
import { beforeSwitch, describeJournal, type UpgradeJournal } from './upgrade-journal.js';

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

const ok = (id: string, title: string, evidence: string): Finding => ({
  id,
  severity: 'ok',
  title,
  evidence,
});

/** Host findings from the installer's own prerequisite checks (shared code). */
export function fromCheckOutcomes(outcomes: CheckOutcome[]): Finding[] {
  return outcomes.map((o) => ({
    id: `host.${o.id}`,
    severity: o.status === 'pass' ? 'ok' : o.status === 'warn' || o.ignored ? 'warn' : 'fail',
    title: o.title,
    evidence: o.detail,
    ...(o.remedy && o.status !== 'pass' ? { remedy: o.remedy } : {}),
  }));
}

export function diskFinding(id: string, title: string, path: string, usedPct: number): Finding {
  const evidence = `${path} is ${usedPct.toFixed(0)}% full`;
  if (usedPct > 95)
    return {
      id,
      severity: 'fail',
      title,
      evidence,
      remedy: `Free space on the filesystem of ${path}: docker system prune, old backups, logs.`,
    };
  if (usedPct > 85)
    return {
      id,
      severity: 'warn',
      title,
      evidence,
      remedy: `Free space soon on the filesystem of ${path} (docker system prune removes unused images).`,
    };
  return ok(id, title, evidence);
}

/** Checks every install has, whatever its platform. */
export const installChecks: DoctorCheck[] = [
  {
    id: 'containers',
    title: 'Containers',
    run(f) {
      const cmd = `cd ${f.dataDir} && docker compose up -d`;
      if ('error' in f.containers)
        return {
          id: 'containers',
          severity: 'fail',
          title: 'Containers',
          evidence: `docker compose ps failed: ${f.containers.error}`,
          remedy: 'Check that the Docker daemon runs: systemctl status docker',
        };
      if (f.containers.length === 0)
        return {
          id: 'containers',
          severity: 'fail',
          title: 'Containers',
          evidence: 'no containers exist for this install',
          remedy: cmd,
          fix: { kind: 'start-containers', description: 'start the containers' },
        };
      const out: Finding[] = [];
      for (const c of f.containers) {
        const id = `container.${c.service}`;
        const title = `Container ${c.service}`;
        // A crash loop is often caught between two starts, "running" for a moment: count the restarts.
        if (c.state === 'restarting' || (c.restartCount >= 3 && (c.state !== 'running' || !f.readiness.ok))) {
          out.push({
            id,
            severity: 'fail',
            title,
            evidence: `restart loop: ${c.restartCount} restarts${c.state === 'running' ? ', up again for now' : c.exitCode ? `, last exit code ${c.exitCode}` : ''}${c.oomKilled ? ', killed for lack of memory (OOMKilled)' : ''}`,
            remedy: `Read why it exits: wizard logs ${f.name} ${c.service} --tail 100`,
          });
        } else if (c.state !== 'running') {
          if (
            c.state === 'exited' &&
            c.exitCode === 0 &&
            c.restartPolicy !== 'always' &&
            c.restartPolicy !== 'unless-stopped'
          ) {
            out.push(ok(id, title, 'finished its one-time job (exit code 0)'));
          } else {
            out.push({
              id,
              severity: 'fail',
              title,
              evidence: `${c.state}, exit code ${c.exitCode}${c.oomKilled ? ', OOMKilled' : ''}`,
              remedy: cmd,
              fix: { kind: 'start-containers', description: `start ${c.service}` },
            });
          }
        } else if (c.health === 'unhealthy') {
          out.push({
            id,
            severity: 'fail',
            title,
            evidence: 'running but unhealthy',
            remedy: `wizard logs ${f.name} ${c.service} --tail 100`,
          });
        } else if (c.oomKilled || c.restartCount > 0) {
          out.push({
            id,
            severity: 'warn',
            title,
            evidence: `running, restarted ${c.restartCount} times${c.oomKilled ? ', last time OOMKilled' : ''}`,
            remedy: c.oomKilled ? 'Add memory or swap to this server.' : `wizard logs ${f.name} ${c.service}`,
          });
        } else {
          out.push(ok(id, title, `running${c.health ? ` (${c.health})` : ''}`));
        }
      }
      return out;
    },
  },
  {
    id: 'readiness',
    title: 'Answers locally',
    run(f) {
      const r = f.readiness;
      if (!r.ok)
        return {
          id: 'readiness',
          severity: 'fail',
          title: 'Answers locally',
          evidence: `${r.url}: ${r.detail}`,
          remedy: `wizard doctor ${f.name} --fix waits for it; the logs say why: wizard logs ${f.name}`,
          fix: { kind: 'wait-ready', description: 'wait until it answers' },
        };
      if (r.version && r.version !== f.release)
        return {
          id: 'readiness',
          severity: 'warn',
          title: 'Answers locally',
          evidence: `${r.url} answers with version ${r.version}, the state records ${f.release}`,
          remedy: f.upgradeJournal
            ? `wizard upgrade ${f.name} settles the interrupted upgrade.`
            : 'Run wizard install again to bring the state and the install together.',
        };
      return ok(
        'readiness',
        'Answers locally',
        `${r.url} answers${r.version ? ` (version ${r.version})` : ''}`,
      );
    },
  },
  {
    id: 'public',
    title: 'Answers through its domain',
    run(f) {
      const r = f.publicReadiness;
      if (!r) return undefined;
      if (!r.ok)
        return {
          id: 'public',
          severity: 'fail',
          title: 'Answers through its domain',
          evidence: `${r.url}: ${r.detail}`,
          remedy: f.ownTls
            ? `Check that DNS points ${f.domain} at this server and the firewall (80/443); it serves HTTPS itself: wizard logs ${f.name} --tail 100`
            : `Check DNS, the firewall (80/443) and the proxy: ${f.proxyLogs ?? 'its log'}`,
        };
      if (r.version && f.readiness.version && r.version !== f.readiness.version) {
        return {
          id: 'public',
          severity: 'fail',
          title: 'Answers through its domain',
          evidence: `${r.url} answers version ${r.version} but this server runs ${f.readiness.version}`,
          remedy: `DNS or a CDN points ${f.domain} elsewhere; point it at this server.`,
        };
      }
      return ok('public', 'Answers through its domain', `${r.url} answers`);
    },
  },
  {
    id: 'certificate',
    title: 'TLS certificate',
    run(f) {
      const c = f.certificate;
      if (!c) return undefined;
      // A platform with its own TLS (chatmail) requests its certificate itself: its log, not the proxy's, says why.
      const log = f.ownTls ? `wizard logs ${f.name} --tail 100` : (f.proxyLogs ?? 'the proxy log');
      if ('error' in c)
        return {
          id: 'certificate',
          severity: 'fail',
          title: 'TLS certificate',
          evidence: c.error,
          remedy: f.ownTls
            ? `Read the log of the certificate request: ${log}`
            : `Read the proxy log for the certbot request: ${log}`,
        };
      if (c.daysLeft < 7)
        return {
          id: 'certificate',
          severity: 'fail',
          title: 'TLS certificate',
          evidence: `${c.issuer}, expires in ${c.daysLeft} days`,
          remedy: `Renewal is failing: ${log}`,
        };
      if (c.daysLeft < 20)
        return {
          id: 'certificate',
          severity: 'warn',
          title: 'TLS certificate',
          evidence: `${c.issuer}, expires in ${c.daysLeft} days`,
          remedy: `It should renew by itself 30 days before expiry; check the log: ${log}`,
        };
      return ok('certificate', 'TLS certificate', `${c.issuer}, ${c.daysLeft} days left`);
    },
  },
  {
    id: 'certificate-request',
    title: 'Certificate request',
    run: (f) => (f.certificateRequest ? certificateRequestFinding(f.certificateRequest) : undefined),
  },
  {
    id: 'ownership',
    title: 'Folder owners',
    run(f) {
      if (!f.ownedPaths?.length) return undefined;
      const out: Finding[] = [];
      for (const { path, want, actual } of f.ownedPaths) {
        if (!actual || (actual.uid === want.uid && actual.gid === want.gid)) continue;
        const cmd = `chown -R ${want.uid}:${want.gid} ${path}`;
        out.push({
          id: 'ownership',
          severity: 'fail',
          title: 'Folder owners',
          evidence: `${path} is owned by ${actual.uid}:${actual.gid}, the container's user is ${want.uid}:${want.gid}`,
          remedy: `${cmd}, then: cd ${f.dataDir} && docker compose restart`,
          fix: { kind: 'chown', path, uid: want.uid, gid: want.gid, description: cmd },
        });
      }
      return out.length
        ? out
        : ok(
            'ownership',
            'Folder owners',
            `${f.ownedPaths.length} folder(s) owned by their container's user`,
          );
    },
  },
  {
    id: 'upgrade-interrupted',
    title: 'Upgrade',
    run(f) {
      const j = f.upgradeJournal;
      if (!j) return undefined;
      // Before the switch nothing changed (the old release runs); during it, either release may be in place.
      return {
        id: 'upgrade-interrupted',
        severity: beforeSwitch(j) ? 'warn' : 'fail',
        title: 'Upgrade',
        evidence: describeJournal(j),
        remedy: `wizard upgrade ${f.name} (it resumes or rolls back first)`,
      };
    },
  },
  {
    id: 'ports',
    title: 'Ports',
    run(f) {
      if (!f.portHolders?.length) return undefined;
      // Docker's userland proxy publishes a container's port; a process inside a container serves host networking.
      const ours = (h: NonNullable<InstallFacts['portHolders']>[number]) =>
        h.container || h.process === 'docker-proxy';
      const held = f.portHolders.filter((h) => h.process !== undefined || h.pid !== undefined);
      const strangers = held.filter((h) => !ours(h));
      if (strangers.length === 0)
        return ok(
          'ports',
          'Ports',
          held.length
            ? held.map((h) => `${h.port} (${h.process ?? 'a container'})`).join(', ')
            : 'none held yet',
        );
      return strangers.map((h) => ({
        id: 'ports',
        severity: 'fail' as const,
        title: 'Ports',
        evidence: `${h.port} is held by ${h.process ?? 'an unknown process'}${h.pid ? ` (pid ${h.pid})` : ''}, not by this install's containers`,
        remedy:
          h.process &&
          /^(nginx|apache2|httpd|caddy|traefik|haproxy|postfix|master|exim|dovecot|systemd-resolve)/.test(
            h.process,
          )
            ? `Stop it: systemctl disable --now ${h.process === 'master' ? 'postfix' : h.process === 'systemd-resolve' ? 'systemd-resolved' : h.process}; then: cd ${f.dataDir} && docker compose up -d`
            : `Stop the process${h.pid ? ` (kill ${h.pid})` : ''} or give the install another port (wizard install --name ${f.name} --port N); then: cd ${f.dataDir} && docker compose up -d`,
      }));
    },
  },
  {
    id: 'secret-modes',
    title: 'Secret files',
    run(f) {
      const out: Finding[] = [];
      for (const [path, mode] of Object.entries(f.secretFileModes)) {
        if (mode === undefined)
          out.push({
            id: 'secret-modes',
            severity: 'fail',
            title: 'Secret files',
            evidence: `${path} is missing`,
            remedy: 'Run wizard install again: it rewrites missing files with the recorded answers.',
          });
        else if ((mode & 0o077) !== 0) {
          out.push({
            id: 'secret-modes',
            severity: 'fail',
            title: 'Secret files',
            evidence: `${path} is mode 0${(mode & 0o777).toString(8)}: others can read its secrets`,
            remedy: `chmod 600 ${path}`,
            fix: { kind: 'chmod', path, mode: 0o600, description: `chmod 600 ${path}` },
          });
        }
      }
      return out.length
        ? out
        : ok('secret-modes', 'Secret files', `${Object.keys(f.secretFileModes).length} file(s) at 0600`);
    },
  },
];

/** Generic failures recognised in any container's log. */
export const commonLogPatterns: LogPattern[] = [
  {
    id: 'log.heap-oom',
    title: 'Out of memory (Node heap)',
    match: /JavaScript heap out of memory|FATAL ERROR: .*Allocation failed/,
    severity: 'fail',
    remedy: 'Add memory or swap (2 GiB at least), then: docker compose up -d',
  },
  {
    id: 'log.pg-incompatible',
    title: 'PostgreSQL data from another major version',
    match: /database files are incompatible with server/,
    severity: 'fail',
    remedy:
      'The data directory was made by another PostgreSQL major version: keep the old postgres image tag, or dump and restore into the new one.',
  },
  {
    id: 'log.module-missing',
    title: 'A module of the program is missing (the image is broken)',
    // Node's own error when the program's code is not in the image (a bad build or a wrong tag).
    match: /Error: Cannot find module '[^']+'|ERR_MODULE_NOT_FOUND/,
    severity: 'fail',
    remedy:
      'This image does not start: pull it again (docker compose pull), or use another release (an upgrade puts the previous one back by itself).',
  },
  {
    id: 'log.disk-full',
    title: 'Disk full',
    match: /No space left on device/,
    severity: 'fail',
    remedy: 'Free disk space (docker system prune), then: docker compose up -d',
  },
];

export function matchLogs(logs: string, patterns: LogPattern[], opts: { healthy?: boolean } = {}): Finding[] {
  const out: Finding[] = [];
  // Compose may colour or redraw even with --no-color: strip terminal escapes.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is what a terminal escape starts with.
  const lines = logs.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '').split('\n');
  for (const p of patterns) {
    if (p.transient && opts.healthy) continue;
    const hit = [...lines].reverse().find((l) => p.match.test(l));
    if (hit)
      out.push({
        id: p.id,
        severity: p.severity,
        title: p.title,
        evidence: hit.trim().slice(0, 300),
        remedy: p.remedy,
      });
  }
  return out;
}

export function exitCodeOf(findings: Finding[]): 0 | 1 | 2 {
  if (findings.some((f) => f.severity === 'fail')) return 2;
  if (findings.some((f) => f.severity === 'warn')) return 1;
  return 0;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** Email addresses, replaced in what the bundle holds. */
export function redactEmails(text: string): string {
  return text.replace(EMAIL, '[email]');
}

/** Replaces every secret (in each of its forms), URL credentials and every email address. */
export function redact(text: string, secrets: string[]): string {
  const r = new Redactor();
  for (const s of secrets) r.add(s);
  return redactEmails(r.redact(text));
}

/**
 * Values in an env file that are secret: the platform's secret keys, anything named like one, and the password
 * inside any URL value (DATABASE_URL, REDIS_URL, a datasource), decoded.
 */
export function secretValues(env: Record<string, string>, secretKeys: string[]): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (!v) continue;
    if (secretKeys.includes(k) || /PASS|SECRET|TOKEN|PRIVATE|_KEY$|SALT|CREDENTIAL/i.test(k)) out.push(v);
    const password = urlPassword(v);
    if (password) out.push(password);
  }
  return out;
}

function urlPassword(value: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(value)) return undefined;
  try {
    const u = new URL(value);
    if (!u.password) return undefined;
    try {
      return decodeURIComponent(u.password);
    } catch {
      return u.password;
    }
  } catch {
    return undefined;
  }
}
