import { promises as dns } from 'node:dns';
import { existsSync, readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, networkInterfaces, release, totalmem, version } from 'node:os';
import { dirname } from 'node:path';
import type { HostProbe, PortHolder } from '../core/checks.js';
import { type ClockSample, DEFAULT_TIME_URL } from '../core/clock.js';
import type { CommandRunner, HttpClient } from '../core/context.js';
import type { KernelFacts } from '../core/kernel.js';

/** The clock probe answers within this, whatever the reference does (doctor's whole run aims at 1.5 s). */
export const CLOCK_TIMEOUT_MS = 1200;

/** Facts about the real host. Docker and git answers come through the runner, so they are logged. */
export class RealHostProbe implements HostProbe {
  private docker?: Promise<{ version?: string; error?: string }>;

  constructor(
    private readonly runner: CommandRunner,
    private readonly hostPath: (p: string) => string,
    /** env: WIZARD_TIME_URL; http: the client the clock probe asks the time reference with. */
    private readonly opts: { env?: Record<string, string | undefined>; http?: HttpClient } = {},
  ) {}

  /** A file of the host under WIZARD_ROOT first (recorded kernels in tests), else the real one. */
  private readHost(p: string): string | undefined {
    for (const f of [this.hostPath(p), p]) {
      try {
        return readFileSync(f, 'utf8').trim();
      } catch {
        // next
      }
    }
    return undefined;
  }

  async kernel(): Promise<KernelFacts> {
    const signature = this.readHost('/proc/version_signature');
    return {
      release: this.readHost('/proc/sys/kernel/osrelease') ?? release(),
      version: this.readHost('/proc/sys/kernel/version') ?? version(),
      ...(signature ? { signature } : {}),
    };
  }

  async clock(): Promise<ClockSample> {
    const url = this.opts.env?.WIZARD_TIME_URL || DEFAULT_TIME_URL;
    if (!this.opts.http) return { url, error: 'no HTTP client' };
    const sentAt = Date.now();
    try {
      const res = await this.opts.http.request(url, {
        timeoutMs: CLOCK_TIMEOUT_MS,
        headers: { 'user-agent': 'wizard-doctor' },
      });
      const receivedAt = Date.now();
      const date = res.headers?.date;
      return { url, sentAt, receivedAt, ...(date ? { date } : {}) };
    } catch (e) {
      const code = (e as { cause?: { code?: string } }).cause?.code;
      return {
        url,
        error:
          code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'DNS lookup failed' : (code ?? (e as Error).message),
      };
    }
  }

  async ntpSynchronized(): Promise<boolean | undefined> {
    const r = await this.runner
      .run({
        file: 'timedatectl',
        args: ['show', '-p', 'NTPSynchronized', '--value'],
        reject: false,
        timeoutMs: 1000,
      })
      .catch(() => undefined);
    const v = r?.exitCode === 0 ? r.stdout.trim() : '';
    return v === 'yes' ? true : v === 'no' ? false : undefined;
  }

  async osRelease(): Promise<Record<string, string> | undefined> {
    for (const p of [this.hostPath('/etc/os-release'), '/etc/os-release', '/usr/lib/os-release']) {
      if (!existsSync(p)) continue;
      const out: Record<string, string> = {};
      for (const line of readFileSync(p, 'utf8').split('\n')) {
        const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
        if (m?.[1]) out[m[1]] = (m[2] ?? '').replace(/^(["'])(.*)\1$/, '$2');
      }
      return out;
    }
    return undefined;
  }

  arch(): string {
    return arch();
  }

  uid(): number {
    return process.getuid?.() ?? -1;
  }

  memoryMiB(): number {
    return Math.round(totalmem() / 1024 / 1024);
  }

  async diskFreeGiB(path: string): Promise<number> {
    let p = this.hostPath(path);
    while (!existsSync(p) && p !== dirname(p)) p = dirname(p);
    const s = await statfs(p);
    return (s.bavail * s.bsize) / 1024 ** 3;
  }

  async portHolder(port: number): Promise<PortHolder | undefined> {
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', (e: NodeJS.ErrnoException) => resolve(e.code !== 'EADDRINUSE'));
      srv.listen({ port, host: '0.0.0.0', exclusive: true }, () => srv.close(() => resolve(true)));
    });
    if (free) return undefined;
    const ss = await this.runner
      .run({ file: 'ss', args: ['-Hltnp', `sport = :${port}`], reject: false, timeoutMs: 5000 })
      .catch(() => undefined);
    const m = ss ? /users:\(\("([^"]+)",pid=(\d+)/.exec(ss.stdout) : null;
    const holder: PortHolder = m?.[1] ? { process: m[1], pid: Number(m[2]) } : {};
    // Docker's userland proxy (or no process ss can see): the container that publishes the port names it.
    if (!holder.process || holder.process === 'docker-proxy') {
      const ps = await this.runner
        .run({
          file: 'docker',
          args: [
            'ps',
            '--filter',
            `publish=${port}`,
            '--format',
            '{{.Names}}\t{{.Label "com.docker.compose.project"}}',
          ],
          reject: false,
          timeoutMs: 5000,
        })
        .catch(() => undefined);
      const [name, project] = (ps?.exitCode === 0 ? (ps.stdout.trim().split('\n')[0] ?? '') : '').split('\t');
      if (name) holder.container = { name, ...(project ? { project } : {}) };
    }
    return holder;
  }

  dockerServerVersion(): Promise<{ version?: string; error?: string }> {
    this.docker ??= this.runner
      .run({
        file: 'docker',
        args: ['version', '--format', '{{.Server.Version}}'],
        reject: false,
        timeoutMs: 15_000,
      })
      .then((r) => {
        const v = r.stdout.trim();
        if (r.exitCode === 0 && v) return { version: v };
        const err = r.stderr.trim().split('\n').pop() ?? 'no answer';
        return { error: err };
      })
      .catch((e: Error) => ({
        error: /not installed/.test((e as { stderrTail?: string }).stderrTail ?? e.message)
          ? 'missing'
          : e.message,
      }));
    return this.docker;
  }

  async composeVersion(): Promise<string | undefined> {
    const r = await this.runner
      .run({ file: 'docker', args: ['compose', 'version', '--short'], reject: false, timeoutMs: 15_000 })
      .catch(() => undefined);
    return r && r.exitCode === 0 ? r.stdout.trim().replace(/^v/, '') : undefined;
  }

  async composeVolumes(project: string): Promise<string[]> {
    const r = await this.runner
      .run({
        file: 'docker',
        args: ['volume', 'ls', '--quiet', '--filter', `label=com.docker.compose.project=${project}`],
        reject: false,
        timeoutMs: 15_000,
      })
      .catch(() => undefined);
    return r?.exitCode === 0 ? r.stdout.split('\n').filter((l) => l.trim()) : [];
  }

  async cgroupV2(): Promise<boolean> {
    return existsSync('/sys/fs/cgroup/cgroup.controllers');
  }

  async gitVersion(): Promise<string | undefined> {
    const r = await this.runner
      .run({ file: 'git', args: ['--version'], reject: false })
      .catch(() => undefined);
    return r && r.exitCode === 0 ? r.stdout.replace(/^git version\s*/, '').trim() : undefined;
  }

  async resolve(domain: string): Promise<{ a: string[]; aaaa: string[]; error?: string }> {
    const resolver = new dns.Resolver({ timeout: 3000, tries: 1 });
    const one = (type: 'A' | 'AAAA') =>
      resolver.resolve(domain, type).then(
        (r) => ({ r: r as string[], e: undefined }),
        (e: NodeJS.ErrnoException) => ({ r: [] as string[], e: e.code }),
      );
    const [a, aaaa] = await Promise.all([one('A'), one('AAAA')]);
    const error = a.e && aaaa.e ? a.e : undefined;
    return { a: a.r, aaaa: aaaa.r, ...(error ? { error } : {}) };
  }

  async resolveCname(name: string): Promise<{ cname: string[]; error?: string }> {
    const resolver = new dns.Resolver({ timeout: 3000, tries: 1 });
    return resolver.resolveCname(name).then(
      (r) => ({ cname: r.map((c) => c.replace(/\.$/, '').toLowerCase()) }),
      (e: NodeJS.ErrnoException) => ({
        cname: [],
        ...(e.code === 'ENODATA' || e.code === 'ENOTFOUND' ? {} : { error: e.code ?? e.message }),
      }),
    );
  }

  async publicAddresses(): Promise<string[]> {
    return Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && !i.internal && !i.address.startsWith('fe80'))
      .map((i) => i?.address ?? '')
      .filter(Boolean);
  }
}
