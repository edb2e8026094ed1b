import type { HttpClient } from './context.js';
import { parseEnv } from './envfile.js';
import type { BackupSpec, DumpSpec } from './platform.js';

/** A platform's own check that a user logs in (its login API), as the backup's after-restore proof calls it. */
export type LoginCheck = (
  http: HttpClient,
  port: number,
  user: string,
  password: string,
  signal?: AbortSignal,
) => Promise<{ ok: boolean; detail: string }>;

/**
 * The common shape of a backup that keeps the app serving: a database dump, the folders that hold user data, the
 * install's .env as its settings and secrets, no downtime, and the first admin's login (its name and password read
 * from that .env) as the proof after a restore. A platform states only what differs: the dump, the folders, why
 * nothing needs to stop, the .env keys of its admin and its login call.
 */
export function liveBackup(spec: {
  dump: DumpSpec;
  folders?: BackupSpec['folders'];
  /** Why the app keeps serving while the backup reads (shown after "none: "). */
  whyLive: string;
  admin: { userKey: string; passwordKey: string; login: LoginCheck };
}): BackupSpec {
  const { userKey, passwordKey, login } = spec.admin;
  return {
    dump: spec.dump,
    ...(spec.folders ? { folders: spec.folders } : {}),
    envFiles: (a) => [`${a.dataDir}/.env`],
    downtime: { stop: [], why: `none: ${spec.whyLive}` },
    async adminLogin(ctx, signal) {
      const env = parseEnv((await ctx.files.readText(`${ctx.answers.dataDir}/.env`)) ?? '').values;
      const r = await login(ctx.http, ctx.answers.port, env[userKey] ?? '', env[passwordKey] ?? '', signal);
      return { ok: r.ok, detail: r.ok ? `"${env[userKey]}" logs in` : r.detail };
    },
  };
}
