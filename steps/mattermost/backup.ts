import { parseEnv } from '../../src/core/envfile.js';
import type { BackupSpec } from '../../src/core/platform.js';
import { postgresBackup } from '../../src/core/postgres.js';
import { adminLogin } from './admin.js';
import { VOLUME_PATHS } from './env.js';

const rel = (p: string) => p.replace(/^\.\//, '');

/**
 * What a Mattermost backup holds: PostgreSQL dumped with pg_dump inside its container, the folders uid 2000
 * writes (config.json with what the System Console changed, uploaded files, plugins), and the .env with the
 * database password and the first admin. The logs and the search indexes are left out (Mattermost rebuilds the
 * indexes). Nothing stops: pg_dump reads one consistent snapshot while Mattermost serves.
 */
export const backup: BackupSpec = {
  dump: postgresBackup('postgres', ['mattermost']),
  folders: [
    { path: rel(VOLUME_PATHS.MATTERMOST_CONFIG_PATH), what: 'config.json' },
    { path: rel(VOLUME_PATHS.MATTERMOST_DATA_PATH), what: 'uploaded files' },
    { path: rel(VOLUME_PATHS.MATTERMOST_PLUGINS_PATH), what: 'server plugins' },
    { path: rel(VOLUME_PATHS.MATTERMOST_CLIENT_PLUGINS_PATH), what: 'client plugins' },
  ],
  envFiles: (a) => [`${a.dataDir}/.env`],
  downtime: {
    stop: [],
    why: 'none: pg_dump reads one consistent snapshot while Mattermost serves; a file uploaded during the backup may be in the folder without its post',
  },
  async adminLogin(ctx, signal) {
    const env = parseEnv((await ctx.files.readText(`${ctx.answers.dataDir}/.env`)) ?? '').values;
    const r = await adminLogin(
      ctx.http,
      ctx.answers.port,
      env.ADMIN_USERNAME ?? '',
      env.ADMIN_PASSWORD ?? '',
      signal,
    );
    return { ok: r.ok, detail: r.ok ? `"${env.ADMIN_USERNAME}" logs in` : r.detail };
  },
};
