import type { HttpClient } from '../core/context.js';

/** HTTP through Node's fetch, every request bounded by a timeout. */
export class FetchHttpClient implements HttpClient {
  async request(
    url: string,
    opts: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<{ status: number; body: string }> {
    const signals = [AbortSignal.timeout(opts.timeoutMs ?? 10_000), ...(opts.signal ? [opts.signal] : [])];
    try {
      const res = await fetch(url, {
        method: opts.method ?? 'GET',
        ...(opts.headers ? { headers: opts.headers } : {}),
        ...(opts.body !== undefined ? { body: opts.body } : {}),
        signal: AbortSignal.any(signals),
      });
      return { status: res.status, body: await res.text() };
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      if (cause === 'ECONNREFUSED') throw new Error('connection refused');
      if (cause === 'ECONNRESET' || cause === 'UND_ERR_SOCKET') throw new Error('connection reset');
      if ((e as Error).name === 'TimeoutError') throw new Error('timed out');
      throw e;
    }
  }
}
