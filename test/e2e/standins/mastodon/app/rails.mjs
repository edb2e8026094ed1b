// Stand-in for Mastodon's `bin/rails` (also reached as `bundle exec rails` / `rake`): the tasks an install runs.
//   db:setup     create the database if missing ("Database 'x' already exists" otherwise), load the schema, seed.
//                On a database that holds Mastodon's tables it stops with ActiveRecord::ProtectedEnvironmentError,
//                as Rails does for production; with DISABLE_DATABASE_ENVIRONMENT_CHECK=1 it erases and reloads it.
//   db:migrate   runs the pending migrations of this release, printing Rails's "== VERSION Name: migrating" lines;
//                SKIP_POST_DEPLOYMENT_MIGRATIONS=true leaves the post-deployment ones pending.
//   db:seed, db:version, secret, db:encryption:init, mastodon:webpush:generate_vapid_key.
// Every task boots the application first (see boot.mjs), so missing secrets fail like the real one.
import { createECDH, randomBytes, randomInt } from 'node:crypto';
import { aborted, boot, database, VERSION } from './boot.mjs';
import { createTables, loadSchema, migrationsFor, seed } from './schema.mjs';

const tasks = process.argv.slice(2).filter((a) => !a.startsWith('-'));
if (tasks.length === 0) {
  console.log(
    'Usage:\n  bin/rails TASK\n\n(the Mastodon stand-in knows db:setup, db:migrate, db:seed, db:version, secret, db:encryption:init)',
  );
  process.exit(0);
}
const app = boot();
const env = process.env;
const dbName = env.DB_NAME || 'mastodon_production';

async function connectOrAbort(name) {
  try {
    return await database(name);
  } catch (e) {
    if (e.code === '3D000')
      aborted(
        'ActiveRecord::NoDatabaseError',
        `We could not find your database: ${name}. Available database configurations can be found in config/database.yml.`,
      );
    aborted('ActiveRecord::ConnectionNotEstablished', e.message);
  }
}

const alnum = (n) =>
  Array.from(
    { length: n },
    () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[randomInt(62)],
  ).join('');

async function setup() {
  const admin = await connectOrAbort('postgres');
  const { names } = await admin.call('databases');
  if (names.includes(dbName)) console.error(`Database '${dbName}' already exists`);
  else {
    await admin.call('createDatabase', { name: dbName });
    console.log(`Created database '${dbName}'`);
  }
  admin.close();
  const db = await connectOrAbort(dbName);
  const { names: tables } = await db.call('tables');
  if (tables.includes('ar_internal_metadata') && env.DISABLE_DATABASE_ENVIRONMENT_CHECK !== '1') {
    const meta = (await db.call('select', { table: 'ar_internal_metadata', where: { key: 'environment' } }))
      .rows[0];
    if (meta?.value === 'production') {
      aborted(
        'ActiveRecord::ProtectedEnvironmentError',
        "You are attempting to run a destructive action against your 'production' database.\nIf you are sure you want to continue, run the same command with the environment variable:\nDISABLE_DATABASE_ENVIRONMENT_CHECK=1",
      );
    }
  }
  await loadSchema(db, VERSION);
  await seed(db, app.localDomain);
  db.close();
}

async function migrate() {
  const db = await connectOrAbort(dbName);
  const { names: tables } = await db.call('tables');
  if (!tables.includes('schema_migrations')) await createTables(db);
  const done = new Set((await db.call('select', { table: 'schema_migrations' })).rows.map((r) => r.version));
  const skipPost = env.SKIP_POST_DEPLOYMENT_MIGRATIONS === 'true';
  for (const m of migrationsFor(VERSION)) {
    if (done.has(m.version) || (m.post && skipPost)) continue;
    const head = `== ${m.version} ${m.name}: migrating `;
    console.log(head.padEnd(79, '='));
    await db.call('insert', {
      table: 'schema_migrations',
      row: { id: Number(m.version), version: m.version },
    });
    console.log(`== ${m.version} ${m.name}: migrated (0.0123s) `.padEnd(79, '='));
    console.log('');
  }
  db.close();
}

for (const task of tasks) {
  switch (task) {
    case 'db:setup':
      await setup();
      break;
    case 'db:migrate':
      await migrate();
      break;
    case 'db:seed': {
      const db = await connectOrAbort(dbName);
      await seed(db, app.localDomain).catch((e) =>
        aborted('ActiveRecord::StatementInvalid', `PG::UndefinedTable: ${e.message}`),
      );
      db.close();
      break;
    }
    case 'db:version': {
      const db = await connectOrAbort(dbName);
      const rows = (await db.call('select', { table: 'schema_migrations' }).catch(() => ({ rows: [] }))).rows;
      console.log(
        `Current version: ${
          rows
            .map((r) => r.version)
            .sort()
            .pop() ?? 0
        }`,
      );
      db.close();
      break;
    }
    case 'secret':
      console.log(randomBytes(64).toString('hex'));
      break;
    case 'db:encryption:init':
      console.log(
        `Add these secret environment variables to your Mastodon environment (e.g. .env.production):\n\nACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY=${alnum(32)}\nACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT=${alnum(32)}\nACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY=${alnum(32)}`,
      );
      break;
    case 'mastodon:webpush:generate_vapid_key': {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const b64 = (b) => b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
      console.log(
        `VAPID_PRIVATE_KEY=${b64(ecdh.getPrivateKey())}\nVAPID_PUBLIC_KEY=${b64(ecdh.getPublicKey())}`,
      );
      break;
    }
    default:
      console.error(`Unrecognized command "${task}" (Rails::Command::UnrecognizedCommandError)`);
      process.exit(1);
  }
}
process.exit(0);
