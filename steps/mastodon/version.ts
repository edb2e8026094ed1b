import type { InstallContext } from '../../src/core/context.js';
import type { UpgradeIO } from '../../src/core/platform.js';
import { waitFor } from '../../src/engine/wait.js';

/**
 * The version /api/v1/instance reports, asked as the proxy asks (Mastodon answers only for its domain over https),
 * through the shared wait (the containers are watched meanwhile). `strict`: another version fails at once.
 */
export async function untilVersion(
  ctx: InstallContext,
  io: UpgradeIO & { ignoreAbort?: boolean },
  opts: { strict?: boolean; timeoutSeconds?: number } = {},
): Promise<string> {
  const url = `http://127.0.0.1:${ctx.answers.port}/api/v1/instance`;
  const expected = ctx.answers.version;
  const r = await waitFor<string>(
    ctx,
    {
      what: `Mastodon ${expected}`,
      service: 'web',
      timeoutSeconds: opts.timeoutSeconds ?? ctx.readyTimeoutSeconds,
      intervalMs: () => Math.min(500, ctx.pollIntervalMs),
      timeoutMessage: (seconds, last) =>
        `Mastodon did not report version ${expected} at ${url} within ${seconds} s (last: ${last}).`,
      progress: (_s, detail) => `/api/v1/instance: ${detail}`,
      async check(signal) {
        const res = await ctx.http.request(url, {
          headers: { host: ctx.answers.domain, 'x-forwarded-proto': 'https' },
          timeoutMs: 5000,
          ...(signal ? { signal } : {}),
          ...(io.ignoreAbort ? { ignoreAbort: true } : {}),
        });
        let version: string | undefined;
        try {
          version =
            res.status === 200
              ? (JSON.parse(res.body) as { version?: string }).version?.split('+')[0]
              : undefined;
        } catch {
          version = undefined;
        }
        if (version === expected) return { done: true, value: version };
        if (version && opts.strict)
          return {
            done: false,
            detail: `answers with version ${version}`,
            failed: `Mastodon answers with version ${version}, expected ${expected}.`,
          };
        return { done: false, detail: version ? `answers with version ${version}` : `HTTP ${res.status}` };
      },
    },
    io,
  );
  return r.value;
}
