import { proxy } from '../../steps/index.js';
import { certificateNeedsRequest } from '../core/acme.js';
import { composeCommand, parseComposePs } from '../core/compose.js';
import { type ContainerFacts, type GatherContext, type InstallFacts, secretValues } from '../core/doctor.js';
import { parseEnv } from '../core/envfile.js';
import { type FileSpec, formatCommand } from '../core/plan.js';
import type { Platform } from '../core/platform.js';
import { urlSecrets } from '../core/redact.js';
import { fileModeOf, ownerOf } from '../system/files.js';
import { httpsGet, inContainer, peerCertificate, programName } from '../system/probes.js';
import type { InstallRecord } from '../system/state.js';
import type { Deps } from './deps.js';
import { certificateRequestFacts } from './doctor-cert.js';
import { declaredFiles } from './plan.js';
import { answersOfRecord, composeOfRecord } from './record.js';

/** `p`, or `fallback` when it fails or takes longer than `ms`. */
export const withTimeout = <T>(p: Promise<T>, ms: number, fallback: T): Promise<T> =>
  Promise.race([
    p.catch(() => fallback),
    new Promise<T>((res) => setTimeout(() => res(fallback), ms).unref()),
  ]);

type InspectDetails = {
  RestartCount?: number;
  State?: { OOMKilled?: boolean; ExitCode?: number; Health?: { Status?: string } };
  HostConfig?: { RestartPolicy?: { Name?: string } };
};

/**
 * Gathers what the install checks look at: env, containers, logs, readiness, ports, public answer,
 * certificate. Everything independent runs at once; only commands whose output can hold a secret
 * (`compose logs`, `docker inspect`) wait until the log knows every secret of the install.
 */
export async function gatherFacts(
  deps: Deps,
  r: InstallRecord,
  platform: Platform,
): Promise<InstallFacts & { secrets: string[] }> {
  const answers = answersOfRecord(r);
  const envPath = platform.envFile?.(answers) ?? `${r.dataDir}/.env`;
  const run = (args: string[], timeoutMs = 10_000) =>
    deps.runner
      .run({ ...composeCommand(composeOfRecord(deps, r), args), reject: false, timeoutMs })
      .catch((e: Error) => ({ exitCode: 1, stdout: '', stderr: e.message }));

  // Output that holds no secret starts at once: the containers' list and who holds the ports.
  const psRun = run(['ps', '--all', '--format', 'json']);
  const portHolders = portHoldersOf(deps, [
    ...new Set([
      ...platform.requirements.ports(answers),
      ...(r.tls !== 'none' && !platform.ownTls ? proxy.ports : []),
    ]),
  ]);

  // The log learns every secret before any command that may print one runs: `docker inspect` and `compose
  // config` print the environment, container logs may quote it.
  for (const v of urlSecrets(r.repoUrl ?? '')) deps.log.addSecret(v);
  // The plan's files as declared (paths, owners, which hold secrets): nothing to read, so nothing waits on it.
  let declared: FileSpec[] = [];
  try {
    declared = declaredFiles(platform, answers, {
      templates: deps.templates,
      hostPath: deps.env.hostPath,
      project: r.project,
    });
  } catch {
    // a plan that cannot be made: only the env file is read
  }
  const secretFiles = declared.filter((f) => f.secret);
  const texts = new Map<string, string | undefined>();
  await Promise.all(
    [...new Set([envPath, ...secretFiles.map((f) => f.path)])].map(async (path) =>
      texts.set(path, await deps.files.readText(path).catch(() => undefined)),
    ),
  );
  for (const text of texts.values())
    if (text)
      for (const v of secretValues({ ...parseEnv(text).values }, platform.secretKeys)) deps.log.addSecret(v);

  const gatherCtx: GatherContext = {
    answers,
    dataDir: deps.env.hostPath(r.dataDir),
    compose: (args, timeoutMs) => run(args, timeoutMs),
    http: (url, timeoutMs = 3000) => deps.http.request(url, { timeoutMs }),
    readText: (path) => deps.files.readText(path).catch(() => undefined),
    probe: deps.probe,
    templates: deps.templates,
  };
  const tlsOn = r.tls !== 'none' && !/^(localhost|[\d.:]+)$/.test(r.domain);
  const [logs, readiness, extra, containers, secretFileModes, ownedPaths, holders, tls] = await Promise.all([
    run(['logs', '--no-color', '--tail', '200']),
    localReadiness(deps, r, platform),
    // The platform's own facts, beside the shared ones; a slow probe never holds the report up.
    platform.doctor?.gather
      ? withTimeout(platform.doctor.gather(gatherCtx), 8000, {} as Record<string, unknown>)
      : undefined,
    psRun.then((ps) => containersOf(deps, ps)),
    Promise.all(
      secretFiles.map(
        async (f) => [deps.files.real(f.path), await fileModeOf(deps.files.real(f.path))] as const,
      ),
    ),
    // Folders given to a container's user; ownership is set only when the wizard runs as root.
    process.getuid?.() === 0
      ? Promise.all(
          declared
            .filter((f) => f.kind === 'dir' && f.owner)
            .map(async (f) => {
              const real = deps.files.real(f.path);
              const actual = await ownerOf(real);
              return {
                path: real,
                want: f.owner as { uid: number; gid: number },
                ...(actual ? { actual } : {}),
              };
            }),
        )
      : [],
    portHolders,
    tlsOn ? publicFacts(deps, r, platform) : undefined,
  ]);
  const env = texts.get(envPath) === undefined ? undefined : { ...parseEnv(texts.get(envPath) ?? '').values };

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
  // Every secret file's values are redacted from the bundle, not only the main env file's (Mastodon's .env.production).
  const secrets = env ? secretValues(env, platform.secretKeys) : [];
  for (const f of secretFiles) {
    const text = texts.get(f.path);
    if (text) secrets.push(...secretValues({ ...parseEnv(text).values }, platform.secretKeys));
  }

  return {
    name: r.name,
    platform: r.platform,
    domain: r.domain,
    tls: r.tls,
    release: r.release,
    dataDir: deps.env.hostPath(r.dataDir),
    envFile: deps.files.real(envPath),
    env,
    secretFileModes: Object.fromEntries(secretFileModes),
    portHolders: holders,
    containers,
    logs: `${logs.stdout}`,
    readiness: ready,
    ...(tls?.publicReadiness ? { publicReadiness: tls.publicReadiness } : {}),
    ...(tls?.certificate ? { certificate: tls.certificate } : {}),
    ...(tls?.certificateRequest ? { certificateRequest: tls.certificateRequest } : {}),
    ...(r.tls !== 'none' && !platform.ownTls
      ? {
          proxyLogs: formatCommand(
            proxy.composeCommand(deps.env.hostPath(proxy.dir), proxy.project(deps.env.projectName), [
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

/** The install's own answer on 127.0.0.1, judged by the platform (or left to its container's health check). */
async function localReadiness(
  deps: Deps,
  r: InstallRecord,
  platform: Platform,
): Promise<InstallFacts['readiness']> {
  const url = `http://127.0.0.1:${platform.readiness.port?.(answersOfRecord(r)) ?? r.port}${platform.readiness.path}`;
  if (platform.readiness.health) return { ok: false, detail: 'judged by container health', url };
  try {
    const res = await deps.http.request(url, { timeoutMs: 3000 });
    const v = platform.readiness.judge(res.status, res.body, res.headers ?? {});
    return { ok: v.ready, ...(v.version ? { version: v.version } : {}), detail: v.detail, url };
  } catch (e) {
    return { ok: false, detail: (e as Error).message, url };
  }
}

/** `compose ps`, completed by one `docker inspect` of every container (restart count, exit code, OOM, policy). */
async function containersOf(
  deps: Deps,
  ps: { exitCode: number; stdout: string; stderr: string },
): Promise<InstallFacts['containers']> {
  if (ps.exitCode !== 0) return { error: ps.stderr.trim().split('\n').pop() ?? 'failed' };
  const rows = parseComposePs(ps.stdout);
  const inspect = rows.length
    ? await deps.runner.run({
        file: 'docker',
        args: ['inspect', ...rows.map((c) => c.name)],
        reject: false,
        timeoutMs: 10_000,
      })
    : undefined;
  const details = new Map<string, InspectDetails>();
  try {
    for (const d of JSON.parse(inspect?.stdout || '[]') as { Name: string }[])
      details.set(d.Name.replace(/^\//, ''), d as never);
  } catch {
    // inspect output unreadable: counts stay 0
  }
  return rows.map((c): ContainerFacts => {
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

/** Who holds the install's host ports (and the proxy's, when it uses it). */
function portHoldersOf(deps: Deps, ports: number[]): Promise<NonNullable<InstallFacts['portHolders']>> {
  return Promise.all(
    ports.map(async (port) => {
      const h = await withTimeout(deps.probe.portHolder(port), 5000, undefined);
      if (!h?.pid) return { port, ...h, container: false };
      const name = await programName(h.pid, h.process);
      return { port, ...h, ...(name ? { process: name } : {}), container: await inContainer(h.pid) };
    }),
  );
}

/** Through https://DOMAIN: the public answer, the certificate, and why its newest request failed. */
async function publicFacts(deps: Deps, r: InstallRecord, platform: Platform) {
  const [publicReadiness, certificate] = await Promise.all([
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
  ]);
  // A missing, stand-in or expiring certificate from the proxy: why its newest request failed.
  const certificateRequest =
    r.tls === 'letsencrypt' && !platform.ownTls && certificateNeedsRequest(certificate, proxy.issuer)
      ? await certificateRequestFacts(deps, r)
      : undefined;
  return { publicReadiness, certificate, certificateRequest };
}
