// Stand-in for Rocket.Chat's server (registry.rocket.chat/rocketchat/rocket.chat). Reads the same environment
// (PORT, ROOT_URL, MONGO_URL, ADMIN_*, OVERWRITE_SETTING_*), waits for a replica-set primary with the driver's
// "Server selection timed out" error while there is none, then seeds its data, serves HTTP and logs the
// "SERVER RUNNING" box. A version ending in "-broken" (e.g. 9.9.9-broken) fails its database migration a few
// seconds after connecting and exits 1, never answering HTTP: for rollback tests.
import os from 'node:os';
import { exitOnSignals, sleep } from '../lib/proc.mjs';
import { ensureRocketCat, insertAdminFromEnv } from './accounts.mjs';
import { Db } from './db.mjs';
import { createApp, createMetricsServer } from './http.mjs';

const env = process.env;
const VERSION = env.RC_STANDIN_VERSION ?? '0.0.0';
const BROKEN = VERSION.endsWith('-broken');
const PORT = Number(env.PORT || 3000);
const SITE_URL = env.ROOT_URL || `http://localhost:${PORT}`;
// The driver's default is 30000 ms; the stand-in waits less but logs the real number.
const SELECTION_WAIT_MS = Number(env.STANDIN_SERVER_SELECTION_WAIT_MS || 3000);
const [MAJOR, MINOR] = VERSION.split('.').map(Number);
const MIGRATION_VERSION = 300 + MAJOR * 20 + MINOR; // a made-up schema version that grows with releases

exitOnSignals();

function box(lines) {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const rule = `+${'-'.repeat(width)}+`;
  const row = (text) => `|  ${text.padEnd(width - 2)}|`;
  const center = (text) => `|${text.padStart(Math.floor((width + text.length) / 2)).padEnd(width)}|`;
  return [rule, center(lines[0]), rule, row(''), ...lines.slice(1).map(row), row(''), rule].join('\n');
}

if (!env.MONGO_URL) {
  console.error('Error: MONGO_URL must be set in environment');
  process.exit(1);
}
const db = new Db(env.MONGO_URL);
if (!/[?&]replicaSet=/.test(env.MONGO_URL)) {
  // Rocket.Chat needs change streams, which only replica sets have.
  console.error('MongoServerError: The $changeStream stage is only supported on replica sets');
  console.error(
    '    at Connection.onMessage (/app/bundle/programs/server/npm/node_modules/mongodb/lib/cmap/connection.js:205:30)',
  );
  process.exit(1);
}

let mongoVersion;
for (;;) {
  try {
    mongoVersion = await db.connect(SELECTION_WAIT_MS, 30000);
    break;
  } catch (err) {
    console.error(`${err.name}: ${err.message}`);
    console.error(
      '    at Timeout._onTimeout (/app/bundle/programs/server/npm/node_modules/mongodb/lib/sdam/topology.js:278:38)',
    );
    console.error('    at listOnTimeout (node:internal/timers:588:17)');
    console.error('    at process.processTimers (node:internal/timers:523:7)');
    await sleep(1000);
  }
}

const control = await db.findOne('migrations', { _id: 'control' });
if (BROKEN) {
  console.log(
    `{"level":30,"time":"${new Date().toISOString()}","name":"Migrations","msg":"Migrating from version ${control?.version ?? 0} to ${MIGRATION_VERSION}"}`,
  );
  await sleep(4000);
  console.error(
    box([
      'ERROR! SERVER STOPPED',
      'Your database migration failed:',
      "TypeError: Cannot read properties of undefined (reading 'settings')",
      '',
      'Please make sure you are running the latest version and try again.',
      'If the problem persists, please contact support.',
      '',
      `This Rocket.Chat version: ${VERSION}`,
      `Database locked at version: ${control?.version ?? 0}`,
      `Database target version: ${MIGRATION_VERSION}`,
    ]),
  );
  process.exit(1);
}

// First-run data and settings, as Rocket.Chat's startup does.
await db.update(
  'migrations',
  { _id: 'control' },
  {
    $set: {
      version: MIGRATION_VERSION,
      locked: false,
      buildAt: new Date().toISOString(),
      standinVersion: VERSION,
    },
  },
  { upsert: true },
);
const setting = (id, value) =>
  db.update('rocketchat_settings', { _id: id }, { $set: { value, public: true } }, { upsert: true });
if (!(await db.findOne('rocketchat_settings', { _id: 'Show_Setup_Wizard' })))
  await setting('Show_Setup_Wizard', 'pending');
await setting('Site_Url', SITE_URL);
for (const [key, raw] of Object.entries(env)) {
  if (!key.startsWith('OVERWRITE_SETTING_')) continue;
  await setting(
    key.slice('OVERWRITE_SETTING_'.length),
    raw === 'true' ? true : raw === 'false' ? false : raw,
  );
}
await ensureRocketCat(db);
await insertAdminFromEnv(db, env);

const app = createApp({ db, version: VERSION, siteUrl: SITE_URL });
await new Promise((resolve) => app.listen(PORT, '0.0.0.0', resolve));
if (env.OVERWRITE_SETTING_Prometheus_Enabled === 'true') {
  createMetricsServer({ db, version: VERSION }).listen(
    Number(env.OVERWRITE_SETTING_Prometheus_Port || 9458),
    '0.0.0.0',
  );
}

console.log(
  box([
    'SERVER RUNNING',
    `Rocket.Chat Version: ${VERSION}`,
    `     NodeJS Version: ${process.versions.node} - ${os.arch()}`,
    `    MongoDB Version: ${mongoVersion}`,
    `     MongoDB Engine: wiredTiger`,
    `           Platform: ${os.platform()}`,
    `       Process Port: ${PORT}`,
    `           Site URL: ${SITE_URL}`,
    `   ReplicaSet OpLog: Enabled`,
    `        Commit Hash: standin`,
    `      Commit Branch: HEAD`,
  ]),
);
