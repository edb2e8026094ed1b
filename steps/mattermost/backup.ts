import { liveBackup } from '../../src/core/backup-spec.js';
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
export const backup = liveBackup({
  dump: postgresBackup('postgres', ['mattermost']),
  folders: [
    { path: rel(VOLUME_PATHS.MATTERMOST_CONFIG_PATH), what: 'config.json' },
    { path: rel(VOLUME_PATHS.MATTERMOST_DATA_PATH), what: 'uploaded files' },
    { path: rel(VOLUME_PATHS.MATTERMOST_PLUGINS_PATH), what: 'server plugins' },
    { path: rel(VOLUME_PATHS.MATTERMOST_CLIENT_PLUGINS_PATH), what: 'client plugins' },
  ],
  whyLive:
    'pg_dump reads one consistent snapshot while Mattermost serves; a file uploaded during the backup may be in the folder without its post',
  admin: { userKey: 'ADMIN_USERNAME', passwordKey: 'ADMIN_PASSWORD', login: adminLogin },
});
