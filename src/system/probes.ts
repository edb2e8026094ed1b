import { readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { request } from 'node:https';
import { connect } from 'node:tls';

/** HTTPS GET that can accept a self-signed certificate (the local CA of --tls selfsigned). */
export function httpsGet(
  url: string,
  opts: { insecure?: boolean; timeoutMs?: number } = {},
): Promise<{ status: number; body: string; headers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { rejectUnauthorized: !opts.insecure, timeout: opts.timeoutMs ?? 3000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        const headers = Object.fromEntries(
          Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]),
        );
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** The certificate served on host:port for a name: its issuer and the days until it expires. */
export function peerCertificate(
  host: string,
  port: number,
  servername: string,
  timeoutMs = 3000,
): Promise<{ issuer: string; daysLeft: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, servername, rejectUnauthorized: false, timeout: timeoutMs }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      if (!cert?.valid_to) return reject(new Error(`no certificate served for ${servername}`));
      const issuer = String(cert.issuer?.O ?? cert.issuer?.CN ?? 'unknown issuer');
      resolve({ issuer, daysLeft: Math.floor((Date.parse(cert.valid_to) - Date.now()) / 86_400_000) });
    });
    socket.on('timeout', () => socket.destroy(new Error(`no TLS answer on ${host}:${port}`)));
    socket.on('error', reject);
  });
}

/** How full the filesystem holding `path` is, in percent. */
export async function diskUsedPercent(path: string): Promise<number> {
  const s = await statfs(path);
  return s.blocks === 0 ? 0 : (1 - s.bavail / s.blocks) * 100;
}

/** Memory, available memory and swap, in MiB, from /proc/meminfo. */
export function memoryInfo(): { totalMiB: number; availableMiB: number; swapMiB: number } {
  const text = readFileSync('/proc/meminfo', 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    totalMiB: Math.round(kb('MemTotal') / 1024),
    availableMiB: Math.round(kb('MemAvailable') / 1024),
    swapMiB: Math.round(kb('SwapTotal') / 1024),
  };
}

/** Whether a process runs inside a container (its cgroup path names Docker, containerd, podman or Kubernetes). */
export async function inContainer(pid: number): Promise<boolean> {
  const { readFile } = await import('node:fs/promises');
  const cgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
  return /docker|containerd|libpod|kubepods|lxc/.test(cgroup);
}

/** A process's program name from its executable (ss reports the thread's name: Node 24 calls it MainThread). */
export async function programName(pid: number, fallback?: string): Promise<string | undefined> {
  const { readlink } = await import('node:fs/promises');
  const exe = await readlink(`/proc/${pid}/exe`).catch(() => undefined);
  return exe
    ? (exe
        .replace(/ \(deleted\)$/, '')
        .split('/')
        .pop() ?? fallback)
    : fallback;
}
