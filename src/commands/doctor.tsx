import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LETS_ENCRYPT_ISSUER } from '../../steps/proxy/acme.js';
import { PROXY_DIR, PROXY_PORTS, proxyComposeCommand, proxyProject } from '../../steps/proxy/index.js';
import { certificateNeedsRequest } from '../core/acme.js';
import { hostChecks } from '../core/checks.js';
import { clockCheck } from '../core/clock.js';
import { composeCommand, parseComposePs } from '../core/compose.js';
import {
  type ContainerFacts,
  type DoctorCheck,
  diskFinding,
  exitCodeOf,
  type Finding,
  fromCheckOutcomes,
  type GatherContext,
  type InstallFacts,
  installChecks,
  matchLogs,
  redactEmails,
  secretValues,
} from '../core/doctor.js';
import { parseEnv } from '../core/envfile.js';
import { UserError } from '../core/errors.js';
import { logPatternsOf } from '../core/failures.js';
import { kernelCheck } from '../core/kernel.js';
import { formatCommand } from '../core/plan.js';
import type { InstallAnswers, Platform } from '../core/platform.js';
import { redactDeep, urlSecrets } from '../core/redact.js';
import { runChecks } from '../engine/run-checks.js';
import { startedLast, startStack } from '../engine/start.js';
import { pollUntilReady } from '../engine/tasks.js';
import { checkOutputFile } from '../system/files.js';
import {
  diskUsedPercent,
  httpsGet,
  inContainer,
  memoryInfo,
  peerCertificate,
  programName,
} from '../system/probes.js';
import { checkHandedOverDir, setFileMode } from '../system/safe-fs.js';
import type { InstallRecord } from '../system/state.js';
import type { Deps } from './deps.js';
import { certificateRequestFacts } from './doctor-cert.js';
import { buildPlan } from './plan.js';
import { readinessFindings } from './readiness.js';
import { recordContext } from './task-list.js';

export interface DoctorOptions {
  install?: string;
  json?: boolean;
  fix?: boolean;
  bundle?: string;
}

export function answersOfRecord(r: InstallRecord, _platform: Platform): InstallAnswers {
  return {
    platform: r.platform,
    name: r.name,
    domain: r.domain,
    email: r.email,
    version: r.release,
    dataDir: r.dataDir,
    tls: r.tls,
    port: r.port,
    repoUrl: r.repoUrl,
    offline: true,
    extra: { ...r.extra },
  };
}

const withTimeout = <T,>(p: Promise<T>, ms: number, fallback: T): Promise<T> =>
  Promise.race([
    p.catch(() => fallback),
    new Promise<T>((res) => setTimeout(() => res(fallback), ms).unref()),
  ]);

/** Gathers what the install checks look at: env, containers, logs, readiness, public answer, certificate. */
async function gatherFacts(
  deps: Deps,
  r: InstallRecord,
  platform: Platform,
): Promise<InstallFacts & { secrets: string[] }> {
  const answers = answersOfRecord(r, platform);
  const ctxLike = {
    project: r.project,
    projectDir: r.dataDir,
    composeFiles: r.composeFiles,
    files: deps.files,
  };
  const envPath = platform.envFile?.(answers) ?? `${r.dataDir}/.env`;
  const run = (args: string[], timeoutMs = 10_000) =>
    deps.runner
      .run({ ...composeCommand(ctxLike, args), reject: false, timeoutMs })
      .catch((e: Error) => ({ exitCode: 1, stdout: '', stderr: e.message }));

  const gatherCtx: GatherContext = {
    answers,
    dataDir: deps.env.hostPath(r.dataDir),
    compose: (args, timeoutMs) => run(args, timeoutMs),
    http: (url, timeoutMs = 3000) => deps.http.request(url, { timeoutMs }),
    readText: (path) => deps.files.readText(path).catch(() => undefined),
    probe: deps.probe,
    templates: deps.templates,
  };
  // The log learns every secret before any command runs: `docker inspect` and `compose config` print them.
  for (const v of urlSecrets(r.repoUrl ?? '')) deps.log.addSecret(v);
  const planned = await buildPlan(platform, answers, {
    files: deps.files,
    templates: deps.templates,
    hostPath: deps.env.hostPath,
    project: r.project,
    proxyProject: deps.env.projectName('wizard-proxy'),
  }).catch(() => undefined);
  for (const path of new Set([
    envPath,
    ...(planned?.plan.files.filter((f) => f.secret).map((f) => f.path) ?? []),
  ])) {
    const text = await deps.files.readText(path).catch(() => undefined);
    if (text)
      for (const v of secretValues({ ...parseEnv(text).values }, platform.secretKeys)) deps.log.addSecret(v);
  }
  const [envText, plan, ps, logs, readiness, extra] = await Promise.all([
    deps.files.readText(envPath).catch(() => undefined),
    planned,
    run(['ps', '--all', '--format', 'json']),
    run(['logs', '--no-color', '--tail', '200']),
    (async () => {
      const url = `http://127.0.0.1:${platform.readiness.port?.(answers) ?? r.port}${platform.readiness.path}`;
      if (platform.readiness.health) return { ok: false, detail: 'judged by container health', url };
      try {
        const res = await deps.http.request(url, { timeoutMs: 3000 });
        const v = platform.readiness.judge(res.status, res.body, res.headers ?? {});
        return { ok: v.ready, ...(v.version ? { version: v.version } : {}), detail: v.detail, url };
      } catch (e) {
        return { ok: false, detail: (e as Error).message, url };
      }
    })(),
    // The platform's own facts, beside the shared ones; a slow probe never holds the report up.
    platform.doctor?.gather
      ? withTimeout(platform.doctor.gather(gatherCtx), 8000, {} as Record<string, unknown>)
      : undefined,
  ]);
  const env = envText === undefined ? undefined : { ...parseEnv(envText).values };

  let containers: InstallFacts['containers'];
  if (ps.exitCode !== 0) containers = { error: ps.stderr.trim().split('\n').pop() ?? 'failed' };
  else {
    const rows = parseComposePs(ps.stdout);
    const inspect = rows.length
      ? await deps.runner.run({
          file: 'docker',
          args: ['inspect', ...rows.map((c) => c.name)],
          reject: false,
          timeoutMs: 10_000,
        })
      : undefined;
    const details = new Map<
      string,
      {
        RestartCount?: number;
        State?: { OOMKilled?: boolean; ExitCode?: number; Health?: { Status?: string } };
        HostConfig?: { RestartPolicy?: { Name?: string } };
      }
    >();
    try {
      for (const d of JSON.parse(inspect?.stdout || '[]') as { Name: string }[])
        details.set(d.Name.replace(/^\//, ''), d as never);
    } catch {
      // inspect output unreadable: counts stay 0
    }
    containers = rows.map((c): ContainerFacts => {
      const d = details.get(c.name);
      return {
        service: c.service,
        name: c.name,
        state: c.state,
        health: c.health || d?.State?.Health?.Status || '',
        restartCount: d?.RestartCount ?? 0,
        exitCode: d?.State?.ExitCode ?? c.exitCode ?? 0,
        oomKilled: d?.State?.OOMKilled ?? false,
        restartPolicy: d?.HostConfig?.RestartPolicy?.Name ?? '',
      };
    });
  }

  // A platform whose readiness is its container's health check (chatmail) is judged by that check.
  let ready = readiness;
  if (platform.readiness.health && !('error' in containers)) {
    const c = containers.find((x) => x.service === platform.readiness.service);
    ready = {
      ok: c?.health === 'healthy',
      detail: c ? `container health: ${c.health || 'none'}` : 'no container',
      url: `the ${platform.readiness.service} container's health check`,
    };
  }

  const secretFileModes: Record<string, number | undefined> = {};
  // Every secret file's values are redacted from the bundle, not only the main env file's (Mastodon's .env.production).
  const secrets = env ? secretValues(env, platform.secretKeys) : [];
  for (const f of plan?.plan.files.filter((f) => f.secret) ?? []) {
    const real = deps.files.real(f.path);
    secretFileModes[real] = await stat(real).then(
      (s) => s.mode & 0o7777,
      () => undefined,
    );
    const text = await deps.files.readText(f.path).catch(() => undefined);
    if (text) secrets.push(...secretValues({ ...parseEnv(text).values }, platform.secretKeys));
  }
  // Folders given to a container's user; ownership is set only when the wizard runs as root.
  const ownedPaths: NonNullable<InstallFacts['ownedPaths']> = [];
  if (process.getuid?.() === 0) {
    for (const f of plan?.plan.files.filter((f) => f.kind === 'dir' && f.owner) ?? []) {
      const real = deps.files.real(f.path);
      const actual = await lstat(real).then(
        (s) => ({ uid: s.uid, gid: s.gid }),
        () => undefined,
      );
      if (f.owner) ownedPaths.push({ path: real, want: f.owner, ...(actual ? { actual } : {}) });
    }
  }

  // Who holds the install's host ports (and the proxy's, when it uses it).
  const neededPorts = [
    ...new Set([
      ...platform.requirements.ports(answers),
      ...(r.tls !== 'none' && !platform.ownTls ? PROXY_PORTS : []),
    ]),
  ];
  const portHolders = await Promise.all(
    neededPorts.map(async (port) => {
      const h = await withTimeout(deps.probe.portHolder(port), 5000, undefined);
      if (!h?.pid) return { port, ...h, container: false };
      const name = await programName(h.pid, h.process);
      return { port, ...h, ...(name ? { process: name } : {}), container: await inContainer(h.pid) };
    }),
  );

  const tlsOn = r.tls !== 'none' && !/^(localhost|[\d.:]+)$/.test(r.domain);
  const [publicReadiness, certificate] = tlsOn
    ? await Promise.all([
        (async () => {
          const url = `https://${r.domain}${platform.readiness.path}`;
          try {
            const res = await httpsGet(url, { insecure: r.tls === 'selfsigned', timeoutMs: 3000 });
            const v = platform.readiness.judge(res.status, res.body, res.headers ?? {});
            return { ok: v.ready, ...(v.version ? { version: v.version } : {}), detail: v.detail, url };
          } catch (e) {
            return { ok: false, detail: (e as Error).message, url };
          }
        })(),
        peerCertificate('127.0.0.1', 443, r.domain).catch((e: Error) => ({ error: e.message })),
      ])
    : [undefined, undefined];
  // A missing, stand-in or expiring certificate from the proxy: why its newest request failed.
  const certificateRequest =
    r.tls === 'letsencrypt' && !platform.ownTls && certificateNeedsRequest(certificate, LETS_ENCRYPT_ISSUER)
      ? await certificateRequestFacts(deps, r)
      : undefined;

  return {
    name: r.name,
    platform: r.platform,
    domain: r.domain,
    tls: r.tls,
    release: r.release,
    dataDir: deps.env.hostPath(r.dataDir),
    envFile: deps.files.real(envPath),
    env,
    secretFileModes,
    portHolders,
    containers,
    logs: `${logs.stdout}`,
    readiness: ready,
    ...(publicReadiness ? { publicReadiness } : {}),
    ...(certificate ? { certificate } : {}),
    ...(certificateRequest ? { certificateRequest } : {}),
    ...(r.tls !== 'none' && !platform.ownTls
      ? {
          proxyLogs: formatCommand(
            proxyComposeCommand(deps.env.hostPath(PROXY_DIR), proxyProject(deps.env.projectName), [
              'logs',
              '--tail',
              '100',
              'nginx',
            ]),
          ),
        }
      : {}),
    ...(platform.ownTls ? { ownTls: true } : {}),
    ...(ownedPaths.length ? { ownedPaths } : {}),
    ...(extra ? { extra } : {}),
    ...(r.upgradeJournal ? { upgradeJournal: r.upgradeJournal } : {}),
    secrets,
  };
}

function judgeInstall(facts: InstallFacts, platform: Platform): Finding[] {
  const checks: DoctorCheck[] = [...installChecks, ...(platform.doctor?.checks ?? [])];
  const findings = checks.flatMap((c) => {
    try {
      const r = c.run(facts);
      return r === undefined ? [] : Array.isArray(r) ? r : [r];
    } catch (e) {
      return [
        {
          id: c.id,
          severity: 'warn' as const,
          title: c.title,
          evidence: `the check failed: ${(e as Error).message}`,
        },
      ];
    }
  });
  const healthy =
    facts.readiness.ok && !findings.some((f) => f.severity === 'fail' && f.id.startsWith('container'));
  findings.push(
    // The same known failures every wait names (src/core/failures.ts).
    ...matchLogs(facts.logs, logPatternsOf(platform), { healthy }),
  );
  return findings.map((f) => ({ ...f, install: facts.name }));
}

async function hostFindings(deps: Deps, records: InstallRecord[]): Promise<Finding[]> {
  // The installer's checks, plus the kernel against the installed platforms' databases and the clock.
  const databases = [
    ...new Set(records.map((r) => deps.platforms.find((p) => p.id === r.platform)?.database ?? 'none')),
  ];
  const outcomes = await runChecks(
    [...hostChecks, kernelCheck, clockCheck],
    deps.probe,
    { databases },
    { timeoutMs: 5000 },
  );
  const findings = fromCheckOutcomes(outcomes);
  const dockerRoot = await deps.runner
    .run({ file: 'docker', args: ['info', '--format', '{{.DockerRootDir}}'], reject: false, timeoutMs: 5000 })
    .catch(() => undefined);
  const paths = new Map<string, string>();
  for (const r of records) paths.set(`disk.${r.name}`, deps.env.hostPath(r.dataDir));
  if (dockerRoot?.exitCode === 0 && dockerRoot.stdout.trim())
    paths.set('disk.docker', dockerRoot.stdout.trim());
  for (const [id, path] of paths) {
    const pct = await withTimeout(diskUsedPercent(path), 2000, Number.NaN);
    if (!Number.isNaN(pct))
      findings.push(
        diskFinding(id, id === 'disk.docker' ? "Disk of Docker's data" : `Disk of ${id.slice(5)}`, path, pct),
      );
  }
  try {
    const m = memoryInfo();
    const low = m.availableMiB < m.totalMiB * 0.1;
    findings.push({
      id: 'host.memory-now',
      severity: low ? 'warn' : 'ok',
      title: 'Free memory',
      evidence: `${m.availableMiB} MiB of ${m.totalMiB} MiB available, ${m.swapMiB} MiB swap`,
      ...(low ? { remedy: 'Add swap or memory; the platforms are killed when memory runs out.' } : {}),
    });
  } catch {
    // not Linux
  }
  return findings;
}

/** `wizard doctor`: every check, concurrently; findings with evidence and remedy; exit 0 / 1 / 2. */
export async function doctorCommand(
  opts: DoctorOptions,
  deps: Deps,
  hooks: { lock?: () => unknown } = {},
): Promise<number> {
  // Where the bundle goes is judged before any work: a missing folder is bad input, named at once.
  const bundle = opts.bundle === undefined ? undefined : checkOutputFile(opts.bundle, '--bundle');
  const state = deps.state();
  let records = state.installs();
  if (opts.install) {
    const r = state.find(opts.install);
    if (!r)
      throw new UserError(
        `No install named or serving "${opts.install}".`,
        `Installs on this host: ${records.map((i) => i.name).join(', ') || 'none'}.`,
      );
    records = [r];
  }
  // Bad input (the install's name, the bundle's folder) is judged before the lock (--fix).
  await hooks.lock?.();
  const platformOf = (r: InstallRecord) => deps.platforms.find((p) => p.id === r.platform);

  const examine = async () => {
    const [host, installs] = await Promise.all([
      Promise.all([
        hostFindings(deps, records),
        readinessFindings(deps, records),
        import('./doctor-backups.js').then((m) => m.backupDoctorFindings(deps, records)),
      ]).then((f) => f.flat()),
      Promise.all(
        records.map(async (r) => {
          const p = platformOf(r);
          if (!p)
            return {
              facts: undefined,
              findings: [
                {
                  id: 'state',
                  severity: 'fail' as const,
                  title: 'State',
                  evidence: `install ${r.name} is of an unknown platform ${r.platform}`,
                  install: r.name,
                },
              ],
            };
          const facts = await gatherFacts(deps, r, p);
          return { facts, findings: judgeInstall(facts, p) };
        }),
      ),
    ]);
    const noInstall: Finding[] =
      records.length === 0
        ? [
            {
              id: 'state',
              severity: 'warn',
              title: 'Installs',
              evidence: `no install recorded in ${state.path}`,
              remedy: 'Run wizard install.',
            },
          ]
        : [];
    return {
      findings: [...host, ...noInstall, ...installs.flatMap((i) => i.findings)],
      facts: installs.map((i) => i.facts),
    };
  };

  let { findings, facts } = await examine();
  const fixed: string[] = [];
  if (opts.fix) {
    for (const r of records) {
      const mine = findings.filter((f) => f.install === r.name && f.fix);
      const p = platformOf(r);
      if (!p || mine.length === 0) continue;
      for (const f of mine.filter((f) => f.fix?.kind === 'chmod')) {
        if (f.fix?.kind !== 'chmod') continue;
        // Through a descriptor opened without following links, in a folder only root can change.
        await setFileMode(f.fix.path, f.fix.mode);
        fixed.push(f.fix.description);
      }
      const chowns = mine.flatMap((f) => (f.fix?.kind === 'chown' ? [f.fix] : []));
      for (const c of chowns) {
        // A container's folder is its uid's to fill: never a link, and chown walks it without following any
        // (-P: no link traversed; --no-dereference: a link inside changes, not what it points at).
        await checkHandedOverDir(c.path);
        await deps.runner.run({
          file: 'chown',
          args: ['-R', '-P', '--no-dereference', `${c.uid}:${c.gid}`, c.path],
          timeoutMs: 60_000,
        });
        fixed.push(c.description);
      }
      if (chowns.length) {
        // A container that failed on the folder waits out Docker's back-off: restart the failing ones now.
        const failing = findings
          .filter((f) => f.install === r.name && f.severity === 'fail' && f.id.startsWith('container.'))
          .map((f) => f.id.slice('container.'.length));
        await deps.runner.run({
          ...composeCommand(
            { project: r.project, projectDir: r.dataDir, composeFiles: r.composeFiles, files: deps.files },
            ['restart', ...failing],
          ),
          timeoutMs: 300_000,
        });
        fixed.push(`restarted ${failing.length ? failing.join(', ') : 'the containers'} of ${r.name}`);
      }
      if (mine.some((f) => f.fix?.kind === 'start-containers')) {
        // The shared compose-up: the platform's start order (the database first), images already on the host.
        const started = {
          ...recordContext(deps, r, p),
          readyTimeoutSeconds: deps.env.readyTimeoutSeconds ?? 120,
        };
        await startStack(started, { output: () => undefined });
        await startedLast(started);
        fixed.push(`started the containers of ${r.name}`);
      }
      const waits =
        chowns.length > 0 ||
        mine.some((f) => f.fix?.kind === 'start-containers' || f.fix?.kind === 'wait-ready');
      if (p.readiness.health && waits) {
        fixed.push(
          `${r.name}: its health check decides when it is ready (wizard doctor again in a few minutes)`,
        );
      } else if (waits) {
        const url = `http://127.0.0.1:${p.readiness.port?.(answersOfRecord(r, p)) ?? r.port}${p.readiness.path}`;
        // The shared wait: it watches the containers too, so one that crashes again ends it in seconds.
        const ctx = {
          ...recordContext(deps, r, p),
          readyTimeoutSeconds: deps.env.readyTimeoutSeconds ?? 120,
        };
        const waited = await pollUntilReady(
          ctx,
          { url: () => url, judge: () => p.readiness.judge, service: () => p.readiness.service },
          { output: () => undefined },
        ).then(
          () => undefined,
          (e: Error) => e.message.split('\n')[0] ?? '',
        );
        fixed.push(
          waited === undefined
            ? `${r.name} answers again at ${url}`
            : `${r.name} still does not answer at ${url}: ${waited}`,
        );
      }
    }
    if (fixed.length) ({ findings, facts } = await examine());
  }

  if (bundle)
    await writeBundle(
      deps,
      bundle,
      findings,
      records,
      facts.filter((f): f is NonNullable<typeof f> => f !== undefined),
    );

  const code = exitCodeOf(findings);
  // Evidence quotes logs and command output: every secret the run learnt, and URL credentials, are masked.
  const redact = (t: string) => deps.log.redact(t);
  const shown = findings.map(({ fix, ...f }) =>
    redactDeep({ ...f, ...(fix ? { fix: { ...fix } } : {}) }, redact),
  ) as Finding[];
  if (opts.json) {
    const out = shown.map(({ fix, ...f }) => ({ ...f, ...(fix ? { fix: fix.description } : {}) }));
    const summary = {
      ok: findings.filter((f) => f.severity === 'ok').length,
      warn: findings.filter((f) => f.severity === 'warn').length,
      fail: findings.filter((f) => f.severity === 'fail').length,
    };
    deps.term.stdout.write(
      `${JSON.stringify({ findings: out, summary, fixed: fixed.map(redact), exitCode: code }, null, 2)}\n`,
    );
  } else {
    const [{ printStatic }, { DoctorReport }] = await Promise.all([
      import('../ui/screens.js'),
      import('../ui/DoctorReport.js'),
    ]);
    printStatic(<DoctorReport findings={shown} fixed={fixed.map(redact)} />, deps.term.stdout);
  }
  return code;
}

async function writeBundle(
  deps: Deps,
  file: string,
  findings: Finding[],
  records: InstallRecord[],
  facts: (InstallFacts & { secrets: string[] })[],
): Promise<void> {
  for (const s of facts.flatMap((f) => f.secrets)) deps.log.addSecret(s);
  const redact = (text: string) => redactEmails(deps.log.redact(text));
  const dir = await mkdtemp(join(tmpdir(), 'wizard-bundle-'));
  const entries: [string, string][] = [];
  try {
    entries.push([
      'findings.json',
      JSON.stringify(
        findings.map(({ fix, ...f }) => f),
        null,
        2,
      ),
    ]);
    const docker = await deps.runner
      .run({ file: 'docker', args: ['version'], reject: false, timeoutMs: 10_000 })
      .catch(() => undefined);
    entries.push([
      'versions.txt',
      `wizard ${deps.version}\n${records.map((r) => `${r.name}: ${r.platform} ${r.release}`).join('\n')}\n\n${docker?.stdout ?? ''}`,
    ]);
    entries.push(['state.json', await readFile(deps.state().path, 'utf8').catch(() => '{}')]);
    for (const r of records) {
      const ctxLike = {
        project: r.project,
        projectDir: r.dataDir,
        composeFiles: r.composeFiles,
        files: deps.files,
      };
      const cfg = await deps.runner
        .run({ ...composeCommand(ctxLike, ['config']), reject: false, timeoutMs: 10_000 })
        .catch(() => undefined);
      entries.push([`${r.name}/compose-config.yml`, cfg?.stdout ?? '']);
      entries.push([`${r.name}/container-logs.txt`, facts.find((f) => f.name === r.name)?.logs ?? '']);
    }
    const logNames = await readdir(deps.env.logDir).catch(() => [] as string[]);
    for (const l of logNames.sort().slice(-20))
      entries.push([
        `wizard-logs/${l}`,
        (await readFile(join(deps.env.logDir, l), 'utf8')).split('\n').slice(-2000).join('\n'),
      ]);
    deps.term.stderr.write(
      `The bundle holds (secrets and email addresses replaced by [redacted] / [email]):\n${entries.map(([n]) => `  ${n}`).join('\n')}\n`,
    );
    for (const [name, content] of entries) {
      const path = join(dir, name);
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, redact(content), { mode: 0o600 });
    }
    await deps.runner.run({ file: 'tar', args: ['-czf', file, '-C', dir, '.'] });
    await chmod(file, 0o600);
    deps.term.stderr.write(`Wrote ${file} (mode 0600). Read it before you share it.\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
