// Stand-in for the Mattermost server of mattermost/mattermost-{team,enterprise}-edition:<version> (run as uid 2000
// from /mattermost, like the real image). What it shares with the real server, as far as the wizard can tell:
// - config/config.json is written (persisted) on every start; when the folder is not writable by uid 2000 it
//   exits 1 with the real error ("failed to load configuration: ... permission denied");
// - MM_<SECTION>_<SETTING> variables override config.json in memory (not persisted), e.g. MM_SQLSETTINGS_DATASOURCE,
//   MM_SERVICESETTINGS_SITEURL, MM_SERVICESETTINGS_ENABLELOCALMODE;
// - it pings PostgreSQL until it answers ("Failed to ping DB" with the driver's error meanwhile, e.g. a wrong
//   password's "pq: password authentication failed"), creates its tables, then serves HTTP on :8065 and, with
//   local mode, the API on the Unix socket /var/tmp/mattermost_local.socket for mmctl --local;
// - JSON log lines on stdout (and config/../logs/mattermost.log), as the image logs by default.
// The version comes from MM_STANDIN_VERSION, the edition from MM_STANDIN_EDITION (build args of the image).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { exitOnSignals, sleep } from '../lib/proc.mjs';
import { PgClient, PgConnectError, parseDsn } from '../postgres/pg.mjs';
import { createHandler } from './api.mjs';
import { stamp, Users } from './users.mjs';

const VERSION = process.env.MM_STANDIN_VERSION || '0.0.0';
const EDITION = process.env.MM_STANDIN_EDITION || 'team';
const BUILD_NUMBER = String(
  Number.parseInt(crypto.createHash('sha256').update(VERSION).digest('hex').slice(0, 8), 16),
);
const HOME = '/mattermost';
const CONFIG_FILE = path.join(HOME, 'config', 'config.json');
const LOG_FILE = path.join(HOME, 'logs', 'mattermost.log');
const DB_RETRY_MS = Number(process.env.STANDIN_DB_RETRY_MS || 1000);

function log(level, msg, caller, fields = {}) {
  const line = JSON.stringify({ timestamp: stamp(), level, msg, caller, ...fields });
  (level === 'error' ? console.error : console.log)(line);
  try {
    fs.appendFileSync(LOG_FILE, `${line}\n`);
  } catch {}
}

function defaults() {
  return {
    ServiceSettings: {
      SiteURL: '',
      ListenAddress: ':8065',
      EnableLocalMode: false,
      LocalModeSocketLocation: '/var/tmp/mattermost_local.socket',
      GoroutineHealthThreshold: -1,
    },
    TeamSettings: { SiteName: 'Mattermost', EnableOpenServer: false, MaxUsersPerTeam: 50 },
    SqlSettings: {
      DriverName: 'postgres',
      DataSource:
        'postgres://mmuser:mostest@localhost/mattermost_test?sslmode=disable\u0026connect_timeout=10\u0026binary_parameters=yes',
      AtRestEncryptKey: crypto.randomBytes(16).toString('hex'),
    },
    PasswordSettings: { MinimumLength: 8 },
    FileSettings: { DriverName: 'local', Directory: './data/' },
    LogSettings: {
      EnableConsole: true,
      ConsoleLevel: 'INFO',
      ConsoleJson: true,
      EnableFile: true,
      FileLocation: '',
    },
    PluginSettings: { Enable: true, Directory: './plugins', ClientDirectory: './client/plugins' },
    BleveSettings: { IndexDir: '' },
    EmailSettings: { RequireEmailVerification: false },
  };
}

/** Applies MM_SECTION_SETTING variables, matching names case-insensitively and keeping each setting's type. */
function applyEnv(config, env) {
  for (const [key, raw] of Object.entries(env)) {
    const m = /^MM_([A-Z0-9]+)_([A-Z0-9_]+)$/.exec(key);
    if (!m) continue;
    const section = Object.keys(config).find((s) => s.toUpperCase() === m[1]);
    if (!section) continue;
    const setting = Object.keys(config[section]).find((k) => k.toUpperCase() === m[2].replace(/_/g, ''));
    if (!setting) continue;
    const current = config[section][setting];
    config[section][setting] =
      typeof current === 'boolean' ? raw === 'true' : typeof current === 'number' ? Number(raw) : raw;
  }
  return config;
}

exitOnSignals(() => log('info', 'Server stopped', 'app/server.go:1115'));

// --- configuration: loaded, completed with defaults and persisted, as the real file store does ------------------
let fileConfig = {};
try {
  fileConfig = JSON.parse(fs.readFileSync(CONFIG_FILE, 'utf8'));
} catch {}
const persisted = defaults();
for (const [section, values] of Object.entries(fileConfig))
  persisted[section] = { ...persisted[section], ...values };
try {
  fs.writeFileSync(CONFIG_FILE, `${JSON.stringify(persisted, null, 4)}\n`, { mode: 0o600 });
} catch (err) {
  const reason =
    err.code === 'EACCES'
      ? 'permission denied'
      : err.code === 'EROFS'
        ? 'read-only file system'
        : err.message;
  console.error(
    `Error: failed to load configuration: failed to create store: unable to load on store creation: failed to persist: failed to write file: open ${CONFIG_FILE}: ${reason}`,
  );
  process.exit(1);
}
log('info', 'Server is initializing...', 'app/server.go:266', { go_version: 'go1.24.6' });
const config = applyEnv(structuredClone(persisted), process.env);
config.standinEdition = EDITION;
config.standinDiagnosticId = crypto
  .createHash('md5')
  .update(persisted.SqlSettings.AtRestEncryptKey)
  .digest('hex')
  .slice(0, 26);

log(
  'info',
  `Current version is ${VERSION} (${BUILD_NUMBER}/${new Date().toUTCString()}/standin/${EDITION === 'enterprise' ? 'standin-enterprise' : 'none'})`,
  'app/server.go:541',
  {
    current_version: VERSION,
    build_number: BUILD_NUMBER,
    build_hash_enterprise: EDITION === 'enterprise' ? 'standin-enterprise' : 'none',
    service_environment: 'production',
  },
);
log('info', 'Enterprise Build', 'app/server.go:551', { enterprise_build: String(EDITION === 'enterprise') });

const dataDir = path.resolve(HOME, config.FileSettings.Directory);
try {
  fs.writeFileSync(path.join(dataDir, '.standin-write-test'), '');
  fs.rmSync(path.join(dataDir, '.standin-write-test'));
} catch (err) {
  log('error', 'Problem with file storage settings', 'app/server.go:592', {
    error: `unable to write file: open ${dataDir}: ${err.code === 'EACCES' ? 'permission denied' : err.message}`,
  });
}

// --- the database ---------------------------------------------------------------------------------------------
if (config.SqlSettings.DriverName !== 'postgres') {
  console.error(
    `Error: failed to initialize platform: cannot create store: invalid sql driver name: ${config.SqlSettings.DriverName}`,
  );
  process.exit(1);
}
const dsn = parseDsn(config.SqlSettings.DataSource);
async function connect() {
  const client = await PgClient.connect({ host: dsn.host, port: dsn.port });
  try {
    await client.request('startup', { user: dsn.user, password: dsn.password, database: dsn.database });
    return client;
  } catch (err) {
    client.close();
    throw err;
  }
}
let client;
for (;;) {
  try {
    client = await connect();
    break;
  } catch (err) {
    const error = err instanceof PgConnectError ? err.message : `pq: ${err.message}`;
    log('error', 'Failed to ping DB', 'sqlstore/store.go:285', { error, 'retrying in seconds': 10 });
    await sleep(DB_RETRY_MS);
  }
}
log('info', 'Pinged DB successfully', 'sqlstore/store.go:290');
// Like the driver's pool: a lost connection (postgres restarted) is replaced on the next query.
const db = {
  async request(op, args) {
    if (client.closed) client = await connect();
    return client.request(op, args);
  },
};
const users = new Users(db);
await users.migrate();
await db.request('createTable', { table: 'systems', unique: ['name'] });
const { rows: versionRows } = await db.request('select', { table: 'systems', where: { name: 'Version' } });
if (versionRows.length === 0)
  await db.request('insert', { table: 'systems', row: { name: 'Version', value: VERSION } });
else await db.request('update', { table: 'systems', where: { name: 'Version' }, set: { value: VERSION } });
log('info', 'Migrations applied', 'sqlstore/store.go:1080', { driver: 'postgres' });

// --- HTTP, and the local-mode socket ------------------------------------------------------------------------
const port = Number(/:(\d+)$/.exec(config.ServiceSettings.ListenAddress)?.[1] ?? 8065);
const web = http.createServer(
  createHandler({ users, version: VERSION, buildNumber: BUILD_NUMBER, config, local: false }),
);
await new Promise((resolve) => web.listen(port, resolve));
log('info', `Server is listening on [::]:${port}`, 'app/server.go:1369', { address: `[::]:${port}` });

if (config.ServiceSettings.EnableLocalMode) {
  const socket = config.ServiceSettings.LocalModeSocketLocation;
  fs.rmSync(socket, { force: true });
  const localServer = http.createServer(
    createHandler({ users, version: VERSION, buildNumber: BUILD_NUMBER, config, local: true }),
  );
  await new Promise((resolve) => localServer.listen(socket, resolve));
  fs.chmodSync(socket, 0o600);
  log('info', 'Starting unix socket server', 'app/server.go:1401');
}
