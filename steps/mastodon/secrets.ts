import { createECDH, randomBytes, randomInt } from 'node:crypto';

/**
 * Mastodon's secrets, generated here in the formats its own tools produce (so the install needs no container
 * run to make them):
 * - SECRET_KEY_BASE, OTP_SECRET: `rails secret`, i.e. SecureRandom.hex(64): 128 hex digits;
 * - ACTIVE_RECORD_ENCRYPTION_*: `rails db:encryption:init`, i.e. SecureRandom.alphanumeric(32);
 * - VAPID_PRIVATE_KEY / VAPID_PUBLIC_KEY: `rake mastodon:webpush:generate_vapid_key`, an EC P-256 key pair as
 *   Ruby's Base64.urlsafe_encode64 writes it (URL-safe alphabet, with = padding): the 32-byte private scalar
 *   (44 characters) and the 65-byte uncompressed public point (88 characters).
 */

export function railsSecret(): string {
  return randomBytes(64).toString('hex');
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function alphanumeric(length = 32): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

const urlsafe = (b: Buffer) => b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
const fromUrlsafe = (s: string) => Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');

export function vapidKeyPair(): { privateKey: string; publicKey: string } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const d = ecdh.getPrivateKey();
  return {
    privateKey: urlsafe(Buffer.concat([Buffer.alloc(32 - d.length), d])),
    publicKey: urlsafe(ecdh.getPublicKey(null, 'uncompressed')),
  };
}

/** The public key that belongs to a VAPID private key; undefined when the private key is not one. */
export function vapidPublicKeyOf(privateKey: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{40,43}={0,2}$/.test(privateKey)) return undefined;
  try {
    const d = fromUrlsafe(privateKey);
    if (d.length === 0 || d.length > 32) return undefined;
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(d);
    return urlsafe(ecdh.getPublicKey(null, 'uncompressed'));
  } catch {
    return undefined;
  }
}

/** Keys of .env.production and .env.db whose values never reach a log. */
export const SECRET_KEYS = [
  'SECRET_KEY_BASE',
  'OTP_SECRET',
  'VAPID_PRIVATE_KEY',
  'ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY',
  'ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT',
  'ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY',
  'DB_PASS',
  'POSTGRES_PASSWORD',
  'SMTP_PASSWORD',
  'OWNER_PASSWORD',
];
