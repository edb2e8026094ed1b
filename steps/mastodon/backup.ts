import type { InstallContext } from '../../src/core/context.js';
import { parseEnv } from '../../src/core/envfile.js';
import type { BackupSpec } from '../../src/core/platform.js';
import { postgresBackup } from '../../src/core/postgres.js';
import { ownerFile } from './tasks.js';

/**
 * Proves the owner logs in with the password in owner.env: Mastodon's OAuth password grant (an app registered
 * for the check, a token for the owner's email and password, /api/v1/accounts/verify_credentials naming the
 * owner, then the token revoked), asked as the proxy asks (Host: the domain, X-Forwarded-Proto: https).
 */
async function ownerLogin(
  ctx: InstallContext,
  signal?: AbortSignal,
): Promise<{ ok: boolean; detail: string }> {
  const owner = parseEnv((await ctx.files.readText(ownerFile(ctx.answers.dataDir))) ?? '').values;
  if (!owner.OWNER_PASSWORD) return { ok: false, detail: `no password in ${ownerFile(ctx.answers.dataDir)}` };
  const base = `http://127.0.0.1:${ctx.answers.port}`;
  const call = async (path: string, body?: Record<string, string>, token?: string) => {
    const res = await ctx.http.request(`${base}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: {
        host: ctx.answers.domain,
        'x-forwarded-proto': 'https',
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      timeoutMs: 10_000,
      ...(signal ? { signal } : {}),
    });
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(res.body) as Record<string, unknown>;
    } catch {}
    return { status: res.status, json };
  };
  try {
    const app = await call('/api/v1/apps', {
      client_name: 'wizard restore check',
      redirect_uris: 'urn:ietf:wg:oauth:2.0:oob',
      scopes: 'read:accounts',
    });
    if (app.status !== 200) return { ok: false, detail: `POST /api/v1/apps: HTTP ${app.status}` };
    const client = { client_id: String(app.json.client_id), client_secret: String(app.json.client_secret) };
    const token = await call('/oauth/token', {
      grant_type: 'password',
      username: owner.OWNER_EMAIL ?? ctx.answers.email,
      password: owner.OWNER_PASSWORD,
      scope: 'read:accounts',
      ...client,
    });
    const access = typeof token.json.access_token === 'string' ? token.json.access_token : undefined;
    if (!access)
      return {
        ok: false,
        detail:
          `POST /oauth/token: HTTP ${token.status} ${String(token.json.error_description ?? token.json.error ?? '')}`.trim(),
      };
    const me = await call('/api/v1/accounts/verify_credentials', undefined, access);
    await call('/oauth/revoke', { token: access, ...client }).catch(() => undefined);
    return me.status === 200 && me.json.username === owner.OWNER_USERNAME
      ? { ok: true, detail: `"${owner.OWNER_USERNAME}" logs in` }
      : { ok: false, detail: `verify_credentials: HTTP ${me.status}` };
  } catch (e) {
    return { ok: false, detail: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * What a Mastodon backup holds (https://docs.joinmastodon.org/admin/backups/): PostgreSQL dumped with pg_dump
 * inside its container, the uploaded media (public/system), Redis's dump.rdb (Sidekiq's queues and the home
 * feeds), and the settings with the app's secrets (.env.production, .env.db, .env) and the owner's login.
 * Nothing stops: pg_dump reads one consistent snapshot, and Redis writes dump.rdb by renaming a finished file.
 */
export const backup: BackupSpec = {
  dump: postgresBackup('db', ['web', 'streaming', 'sidekiq']),
  folders: [
    { path: 'public/system', what: 'uploaded media' },
    { path: 'redis', what: "Redis's dump.rdb (Sidekiq queues, home feeds)" },
  ],
  envFiles: (a) => [`${a.dataDir}/.env.production`, `${a.dataDir}/.env.db`, `${a.dataDir}/.env`],
  files: (a) => [ownerFile(a.dataDir)],
  downtime: {
    stop: [],
    why: 'none: pg_dump reads one consistent snapshot while Mastodon serves, and Redis replaces dump.rdb in one rename',
  },
  restoreStop: ['web', 'streaming', 'sidekiq', 'redis'],
  adminLogin: ownerLogin,
};
