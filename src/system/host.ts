import { promises as dns } from 'node:dns';
import { existsSync, readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, networkInterfaces, totalmem } from 'node:os';
import { dirname } from 'node:path';
import type { HostProbe } from '../core/checks.js';
import type { CommandRunner } from '../core/context.js';

/** Facts about the real host. Docker and git answers come through the runner, so they are logged. */
export class RealHostProbe implements HostProbe {
  private docker?: Promise<{ version?: string; error?: string }>;

  constructor(
    private readonly runner: CommandRunner,
    private readonly hostPath: (p: string) => string,
  ) {}

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

  async portHolder(port: number): Promise<{ process?: string; pid?: number } | undefined> {
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', (e: NodeJS.ErrnoException) => resolve(e.code !== 'EADDRINUSE'));
      srv.listen({ port, host: '0.0.0.0', exclusive: true }, () => srv.close(() => resolve(true)));
    });
    if (free) return undefined;
    const ss = await this.runner.run({ file: 'ss', args: ['-Hltnp', `sport = :${port}`], reject: false, timeoutMs: 5000 }).catch(() => undefined);
    const m = ss ? /users:\(\("([^"]+)",pid=(\d+)/.exec(ss.stdout) : null;
    return m?.[1] ? { process: m[1], pid: Number(m[2]) } : {};
  }

  dockerServerVersion(): Promise<{ version?: string; error?: string }> {
    this.docker ??= this.runner
      .run({ file: 'docker', args: ['version', '--format', '{{.Server.Version}}'], reject: false, timeoutMs: 15_000 })
      .then((r) => {
        const v = r.stdout.trim();
        if (r.exitCode === 0 && v) return { version: v };
        const err = r.stderr.trim().split('\n').pop() ?? 'no answer';
        return { error: err };
      })
      .catch((e: Error) => ({ error: /not installed/.test((e as { stderrTail?: string }).stderrTail ?? e.message) ? 'missing' : e.message }));
    return this.docker;
  }

  async composeVersion(): Promise<string | undefined> {
    const r = await this.runner.run({ file: 'docker', args: ['compose', 'version', '--short'], reject: false, timeoutMs: 15_000 }).catch(() => undefined);
    return r && r.exitCode === 0 ? r.stdout.trim().replace(/^v/, '') : undefined;
  }

  async cgroupV2(): Promise<boolean> {
    return existsSync('/sys/fs/cgroup/cgroup.controllers');
  }

  async gitVersion(): Promise<string | undefined> {
    const r = await this.runner.run({ file: 'git', args: ['--version'], reject: false }).catch(() => undefined);
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
      (e: NodeJS.ErrnoException) => ({ cname: [], ...(e.code === 'ENODATA' || e.code === 'ENOTFOUND' ? {} : { error: e.code ?? e.message }) }),
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
