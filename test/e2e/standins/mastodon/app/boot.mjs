// What every Rails process of the Mastodon stand-in (rails, tootctl, puma, sidekiq) does first, like the real
// application's boot: refuse to start without SECRET_KEY_BASE or the three ACTIVE_RECORD_ENCRYPTION_* keys, with
// Mastodon's and Rails's own messages. Also the database connection and the "bin/rails aborted!" error format.
import { connect, mastodonDb } from '../lib/pg.mjs';

export const VERSION = process.env.MASTODON_STANDIN_VERSION || '0.0.0';
const AR_KEYS = [
  'ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY',
  'ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT',
  'ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY',
];

export function boot() {
  const env = process.env;
  // config/initializers/active_record_encryption.rb (Mastodon 4.3+): abort with this text.
  if (AR_KEYS.some((k) => env[k] === undefined)) {
    console.error(`
Mastodon now requires that these variables are set:

  - ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY
  - ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT
  - ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY

Run \`bin/rails db:encryption:init\` to generate values and then assign the environment variables.`);
    process.exit(1);
  }
  if (!env.SECRET_KEY_BASE) {
    console.error(
      "/opt/mastodon/vendor/bundle/ruby/3.4.0/gems/railties-8.0.2/lib/rails/application.rb:498:in 'Rails::Application#secret_key_base': Missing `secret_key_base` for 'production' environment, set this string with `bin/rails credentials:edit` (ArgumentError)",
    );
    process.exit(1);
  }
  return {
    localDomain: env.LOCAL_DOMAIN || `localhost:${env.PORT || 3000}`,
    webDomain: env.WEB_DOMAIN || env.LOCAL_DOMAIN || `localhost:${env.PORT || 3000}`,
  };
}

/** Prints a failed rake task's error as bin/rails does and exits 1. */
export function aborted(cls, message) {
  console.error(
    `bin/rails aborted!\n${cls}: ${message}\n\nTasks: TOP => ${process.argv[2] ?? ''}\n(See full trace by running task with --trace)`,
  );
  process.exit(1);
}

/** The database as Mastodon configures it (DB_HOST, DB_PORT, DB_USER, DB_PASS, DB_NAME). */
export async function database(name) {
  const db = mastodonDb();
  if (!db.host.startsWith('/')) return connect({ ...db, database: name ?? db.database });
  // DB_HOST unset means the local socket, which a Mastodon container does not have.
  try {
    return await connect({ ...db, host: '127.0.0.1', database: name ?? db.database });
  } catch (e) {
    throw Object.assign(
      new Error(
        `connection to server on socket "${db.host}/.s.PGSQL.${db.port}" failed: No such file or directory\n\tIs the server running locally and accepting connections on that socket?`,
      ),
      { code: e.code },
    );
  }
}
