// Users as Rocket.Chat stores them (collection "users"), the first-run admin from ADMIN_* variables, and
// password login. Passwords are hashed client-style first (SHA-256 hex, like Meteor's accounts-password), then
// with scrypt here where the real server uses bcrypt.
import crypto from 'node:crypto';

const randomId = () => crypto.randomBytes(12).toString('base64url').slice(0, 17);
const sha256Hex = (text) => crypto.createHash('sha256').update(text).digest('hex');
const hashToken = (token) => crypto.createHash('sha256').update(token).digest('base64');

function hashPassword(digest) {
  const salt = crypto.randomBytes(16).toString('hex');
  return `scrypt$${salt}$${crypto.scryptSync(digest, salt, 32).toString('hex')}`;
}

function checkPassword(digest, stored) {
  const [, salt, hash] = String(stored).split('$');
  if (!salt || !hash) return false;
  return crypto.timingSafeEqual(crypto.scryptSync(digest, salt, 32), Buffer.from(hash, 'hex'));
}

/** Rocket.Chat creates its bot user rocket.cat on first start. */
export async function ensureRocketCat(db) {
  if (await db.findOne('users', { _id: 'rocket.cat' })) return;
  await db.insert('users', {
    _id: 'rocket.cat',
    createdAt: new Date().toISOString(),
    name: 'Rocket.Cat',
    username: 'rocket.cat',
    status: 'online',
    active: true,
    type: 'bot',
    roles: ['bot'],
  });
}

/**
 * Mimics Rocket.Chat's initialData: when ADMIN_PASS is set and no admin user exists yet, it inserts one from
 * ADMIN_USERNAME (default "admin"), ADMIN_EMAIL and ADMIN_NAME (default "Administrator") and logs it. Never
 * inserts a second admin, since the check reads the database.
 */
export async function insertAdminFromEnv(db, env) {
  if (!env.ADMIN_PASS) return;
  if (await db.findOne('users', { roles: 'admin', type: 'user' })) return;
  const user = {
    _id: randomId(),
    createdAt: new Date().toISOString(),
    type: 'user',
    name: env.ADMIN_NAME || 'Administrator',
    username: env.ADMIN_USERNAME || 'admin',
    emails: env.ADMIN_EMAIL ? [{ address: env.ADMIN_EMAIL.toLowerCase(), verified: false }] : [],
    status: 'offline',
    active: true,
    roles: ['admin', 'user'],
    requirePasswordChange: false,
    services: { password: { scrypt: hashPassword(sha256Hex(env.ADMIN_PASS)) }, resume: { loginTokens: [] } },
  };
  console.log('Inserting admin user:');
  console.log(`Name: ${user.name}`);
  console.log(`Email: ${env.ADMIN_EMAIL ?? ''}`);
  console.log(`Username: ${user.username}`);
  await db.insert('users', user);
}

/** The "me" object of the REST API. */
export function publicUser(user) {
  const { _id, username, name, emails = [], roles = [], status, active, type } = user;
  return { _id, username, name, emails, roles, status, active, type };
}

/**
 * POST /api/v1/login. `user` is a username or an email; `password` is plain text or {digest, algorithm:"sha-256"}.
 * Returns {userId, authToken, me} or null.
 */
export async function login(db, { user, username, email, password }) {
  const who = user ?? username ?? email;
  if (typeof who !== 'string' || !password) return null;
  const digest = typeof password === 'string' ? sha256Hex(password) : password.digest;
  const found = await db.findOne('users', {
    $or: [{ username: who }, { 'emails.address': who.toLowerCase() }],
    type: 'user',
  });
  if (!found?.active || !checkPassword(digest, found.services?.password?.scrypt)) return null;
  const authToken = crypto.randomBytes(32).toString('base64url');
  await db.update(
    'users',
    { _id: found._id },
    {
      $push: {
        'services.resume.loginTokens': { when: new Date().toISOString(), hashedToken: hashToken(authToken) },
      },
    },
  );
  return { userId: found._id, authToken, me: publicUser(found) };
}

/** The user behind X-User-Id / X-Auth-Token headers, or null. */
export async function authenticate(db, userId, authToken) {
  if (!userId || !authToken) return null;
  return db.findOne('users', {
    _id: userId,
    'services.resume.loginTokens.hashedToken': hashToken(authToken),
  });
}
