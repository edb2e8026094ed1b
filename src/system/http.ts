import { connect } from 'node:net';
import type { HttpClient } from '../core/context.js';
import { CancelledError } from '../core/errors.js';

/** HTTP through Node's fetch, every request bounded by a timeout. */
export class FetchHttpClient implements HttpClient {
  /** `interrupt` (Ctrl-C, SIGTERM, SIGHUP) cancels requests, except those marked ignoreAbort. */
  constructor(private readonly interrupt?: AbortSignal) {}

  connect(
    host: string,
    port: number,
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<void> {
    if (this.interrupt?.aborted) return Promise.reject(new CancelledError('Interrupted'));
    const signals = [opts.signal, this.interrupt].filter((x): x is AbortSignal => x !== undefined);
    return tcpAccepts(host, port, {
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      ...(signals.length ? { signal: AbortSignal.any(signals) } : {}),
    });
  }

  async request(
    url: string,
    opts: {
      method?: string;
      body?: string;
      headers?: Record<string, string>;
      timeoutMs?: number;
      signal?: AbortSignal;
      ignoreAbort?: boolean;
    } = {},
  ): Promise<{ status: number; body: string; headers: Record<string, string>; bytes: Uint8Array }> {
    const interrupt = opts.ignoreAbort ? undefined : this.interrupt;
    if (interrupt?.aborted)
      throw interrupt.reason instanceof CancelledError ? interrupt.reason : new CancelledError('Interrupted');
    const signals = [
      AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      ...(opts.signal ? [opts.signal] : []),
      ...(interrupt ? [interrupt] : []),
    ];
    // fetch never sends a Host header of ours; apps that answer only for their own name need one.
    const host = Object.entries(opts.headers ?? {}).find(([k]) => k.toLowerCase() === 'host')?.[1];
    if (host !== undefined) return requestWithHost(url, host, opts, AbortSignal.any(signals));
    try {
      const res = await fetch(url, {
        method: opts.method ?? 'GET',
        ...(opts.headers ? { headers: opts.headers } : {}),
        ...(opts.body !== undefined ? { body: opts.body } : {}),
        signal: AbortSignal.any(signals),
      });
      const bytes = new Uint8Array(await res.arrayBuffer());
      return {
        status: res.status,
        body: new TextDecoder().decode(bytes),
        headers: Object.fromEntries(res.headers),
        bytes,
      };
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      if (cause === 'ECONNREFUSED') throw new Error('connection refused');
      if (cause === 'ECONNRESET' || cause === 'UND_ERR_SOCKET') throw new Error('connection reset');
      if ((e as Error).name === 'TimeoutError') throw new Error('timed out');
      throw e;
    }
  }
}

/** Whether HOST:PORT accepts a TCP connection (closed at once), within the timeout. */
export function tcpAccepts(
  host: string,
  port: number,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, timeout: opts.timeoutMs ?? 1000 });
    const end = (e?: Error) => {
      s.destroy();
      opts.signal?.removeEventListener('abort', aborted);
      if (e) reject(e);
      else resolve();
    };
    const aborted = () => end(new CancelledError('Interrupted'));
    opts.signal?.addEventListener('abort', aborted, { once: true });
    s.once('connect', () => end());
    s.once('timeout', () => end(new Error('timed out')));
    s.once('error', (e: NodeJS.ErrnoException) =>
      end(
        new Error(
          e.code === 'ECONNREFUSED'
            ? 'connection refused'
            : e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH'
              ? 'host unreachable'
              : (e.code ?? e.message),
        ),
      ),
    );
  });
}

/** One request through node:http, so that the Host header is the one given. */
async function requestWithHost(
  url: string,
  host: string,
  opts: { method?: string; body?: string; headers?: Record<string, string> },
  signal: AbortSignal,
): Promise<{ status: number; body: string; headers: Record<string, string>; bytes: Uint8Array }> {
  const request = (
    url.startsWith('https:') ? (await import('node:https')).request : (await import('node:http')).request
  ) as typeof import('node:http').request;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: opts.method ?? 'GET', headers: { ...opts.headers, host }, signal },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          chunks.push(c);
        });
        res.on('end', () => {
          const bytes = new Uint8Array(Buffer.concat(chunks));
          resolve({
            status: res.statusCode ?? 0,
            body: new TextDecoder().decode(bytes),
            headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)])),
            bytes,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ECONNREFUSED'
          ? new Error('connection refused')
          : e.code === 'ECONNRESET'
            ? new Error('connection reset')
            : e.name === 'AbortError'
              ? new Error('timed out')
              : e,
      ),
    );
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}
