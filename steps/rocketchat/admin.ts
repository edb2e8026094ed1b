import type { HttpClient } from '../../src/core/context.js';

/** Logs in through Rocket.Chat's REST API (POST /api/v1/login) to prove the first admin exists. */
export async function adminLogin(
  http: HttpClient,
  port: number,
  user: string,
  password: string,
  signal?: AbortSignal,
): Promise<{ ok: boolean; detail: string }> {
  try {
    const res = await http.request(`http://127.0.0.1:${port}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user, password }),
      timeoutMs: 10_000,
      ...(signal ? { signal } : {}),
    });
    const json = JSON.parse(res.body) as { status?: string; message?: string; error?: string };
    if (res.status === 200 && json.status === 'success') return { ok: true, detail: 'logged in' };
    return { ok: false, detail: `HTTP ${res.status}: ${json.message ?? json.error ?? 'login refused'}` };
  } catch (e) {
    return { ok: false, detail: e instanceof Error ? e.message : String(e) };
  }
}
