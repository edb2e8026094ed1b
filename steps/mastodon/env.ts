import { UserError } from '../../src/core/errors.js';
import type { InstallAnswers } from '../../src/core/platform.js';
import { alphanumeric, railsSecret, vapidKeyPair, vapidPublicKeyOf } from './secrets.js';

/** The database and Redis as the compose file names them; an existing .env.production may say otherwise. */
export const DB_DEFAULTS = {
  DB_HOST: 'db',
  DB_PORT: '5432',
  DB_NAME: 'mastodon_production',
  DB_USER: 'mastodon',
} as const;

export interface DbSettings {
  user: string;
  name: string;
}

const present = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);

export function dbSettings(production: Record<string, string>): DbSettings {
  return {
    user: present(production.DB_USER) ?? DB_DEFAULTS.DB_USER,
    name: present(production.DB_NAME) ?? DB_DEFAULTS.DB_NAME,
  };
}

export const hasSmtp = (extra: Record<string, string>) =>
  (extra.smtpHost ?? 'none') !== 'none' && extra.smtpHost !== '';

/**
 * The values the wizard sets in .env.production and .env.db, given what the files hold now. Secrets are
 * generated only where they are missing (never over a value), LOCAL_DOMAIN can't change once set, and the
 * database settings of an existing install are kept. `undefined` leaves a key as it is.
 */
export function envValues(
  a: InstallAnswers,
  production: Record<string, string>,
  db: Record<string, string>,
  generatePassword: () => string,
): { production: Record<string, string | undefined>; db: Record<string, string | undefined> } {
  if (present(production.LOCAL_DOMAIN) && production.LOCAL_DOMAIN !== a.domain) {
    throw new UserError(
      `This Mastodon's LOCAL_DOMAIN is ${production.LOCAL_DOMAIN}; it can't become ${a.domain} (accounts and federation are tied to it).`,
      `Run the install with --domain ${production.LOCAL_DOMAIN}, or install into another --data-dir with --name.`,
    );
  }
  const keep = (key: string, make: () => string) => present(production[key]) ?? make();
  const vapidPrivate = present(production.VAPID_PRIVATE_KEY);
  const vapid =
    vapidPrivate && vapidPublicKeyOf(vapidPrivate)
      ? {
          privateKey: vapidPrivate,
          publicKey: present(production.VAPID_PUBLIC_KEY) ?? (vapidPublicKeyOf(vapidPrivate) as string),
        }
      : vapidKeyPair();
  const dbPass =
    production.DB_PASS !== undefined
      ? production.DB_PASS
      : (present(db.POSTGRES_PASSWORD) ?? generatePassword());
  const dbUser = present(production.DB_USER) ?? DB_DEFAULTS.DB_USER;
  const dbName = present(production.DB_NAME) ?? DB_DEFAULTS.DB_NAME;
  const e = a.extra;
  const smtp = hasSmtp(e)
    ? {
        SMTP_SERVER: e.smtpHost,
        SMTP_PORT: e.smtpPort || '587',
        SMTP_LOGIN: present(e.smtpLogin),
        SMTP_PASSWORD: present(e.smtpPassword),
        SMTP_FROM_ADDRESS: present(e.smtpFrom) ?? `notifications@${a.domain}`,
      }
    : {};
  return {
    production: {
      LOCAL_DOMAIN: a.domain,
      DB_HOST: present(production.DB_HOST) ?? DB_DEFAULTS.DB_HOST,
      DB_PORT: present(production.DB_PORT) ?? DB_DEFAULTS.DB_PORT,
      DB_NAME: dbName,
      DB_USER: dbUser,
      DB_PASS: dbPass,
      REDIS_HOST: present(production.REDIS_HOST) ?? 'redis',
      REDIS_PORT: present(production.REDIS_PORT) ?? '6379',
      SECRET_KEY_BASE: keep('SECRET_KEY_BASE', railsSecret),
      OTP_SECRET: keep('OTP_SECRET', railsSecret),
      VAPID_PRIVATE_KEY: vapid.privateKey,
      VAPID_PUBLIC_KEY: vapid.publicKey,
      ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY: keep(
        'ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY',
        alphanumeric,
      ),
      ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT: keep(
        'ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT',
        alphanumeric,
      ),
      ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY: keep('ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY', alphanumeric),
      ...smtp,
    },
    db: {
      POSTGRES_USER: present(db.POSTGRES_USER) ?? dbUser,
      POSTGRES_DB: present(db.POSTGRES_DB) ?? dbName,
      POSTGRES_PASSWORD: present(db.POSTGRES_PASSWORD) ?? present(dbPass),
    },
  };
}
