// Users as Mattermost keeps them (table "users", lower-case column names like the real schema), with its rules:
// usernames and emails are unique and lower-cased, the first user ever created becomes system admin, passwords
// need at least 8 characters. Passwords are hashed with scrypt here where the real server uses bcrypt.
import crypto from 'node:crypto';

export const newId = () => {
  // Mattermost ids: 26 characters of base32 (a-z, 0-9).
  const alphabet = 'ybndrfg8ejkmcpqxot1uwisza345h769';
  return [...crypto.randomBytes(26)].map((b) => alphabet[b % 32]).join('');
};

export class AppError extends Error {
  constructor(status, id, message, detailed = '') {
    super(message);
    this.status = status;
    this.id = id;
    this.detailed = detailed;
  }
}

function hashPassword(password) {
  const salt = crypto.randomBytes(16).toString('hex');
  return `scrypt$${salt}$${crypto.scryptSync(password, salt, 32).toString('hex')}`;
}

export function checkPassword(password, stored) {
  const [, salt, hash] = String(stored ?? '').split('$');
  if (!salt || !hash) return false;
  return crypto.timingSafeEqual(crypto.scryptSync(String(password), salt, 32), Buffer.from(hash, 'hex'));
}

/** The user as the API returns it (never the password). */
export function publicUser(u) {
  return {
    id: u.id,
    create_at: u.createat,
    update_at: u.updateat,
    delete_at: u.deleteat,
    username: u.username,
    auth_data: '',
    auth_service: u.authservice,
    email: u.email,
    email_verified: u.emailverified,
    nickname: u.nickname,
    first_name: u.firstname,
    last_name: u.lastname,
    position: u.position,
    roles: u.roles,
    locale: u.locale,
    timezone: { automaticTimezone: '', manualTimezone: '', useAutomaticTimezone: 'true' },
    disable_welcome_email: false,
  };
}

const USERNAME = /^[a-z][a-z0-9.\-_]{2,21}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const RESTRICTED = new Set(['all', 'channel', 'here', 'matterbot', 'system']);

export class Users {
  constructor(db) {
    this.db = db;
  }

  async migrate() {
    await this.db.request('createTable', { table: 'users', unique: ['id', 'username', 'email'] });
  }

  async find(where) {
    const { rows } = await this.db.request('select', { table: 'users', where });
    return rows[0] ?? null;
  }

  byId = (id) => this.find({ id });
  byUsername = (username) => this.find({ username: String(username).toLowerCase() });
  byEmail = (email) => this.find({ email: String(email).toLowerCase() });

  async list({ page = 0, perPage = 60 } = {}) {
    const { rows } = await this.db.request('select', { table: 'users', where: {} });
    return rows.sort((a, b) => a.createat - b.createat).slice(page * perPage, (page + 1) * perPage);
  }

  /** Validates and inserts a user; the first user of the server becomes system admin, as in the real app. */
  async create(input) {
    const username = String(input.username ?? '').toLowerCase();
    const email = String(input.email ?? '').toLowerCase();
    const password = String(input.password ?? '');
    if (!USERNAME.test(username) || RESTRICTED.has(username)) {
      throw new AppError(
        400,
        'model.user.is_valid.username.app_error',
        'Username must begin with a letter and contain between 3 and 22 characters including numbers, lowercase letters, and the symbols ".", "-", and "_".',
      );
    }
    if (!EMAIL.test(email)) throw new AppError(400, 'model.user.is_valid.email.app_error', 'Invalid email.');
    if (password.length < 8)
      throw new AppError(
        400,
        'model.user.is_valid.pwd_length.app_error',
        'Your password must contain at least 8 characters.',
      );
    if (await this.byUsername(username))
      throw new AppError(
        400,
        'app.user.save.username_exists.app_error',
        'An account with that username already exists.',
      );
    if (await this.byEmail(email))
      throw new AppError(
        400,
        'app.user.save.email_exists.app_error',
        'An account with that email already exists.',
      );
    const first = (await this.list({ perPage: 1 })).length === 0;
    const now = Date.now();
    const user = {
      id: newId(),
      createat: now,
      updateat: now,
      deleteat: 0,
      username,
      password: hashPassword(password),
      authservice: '',
      email,
      emailverified: Boolean(input.email_verified),
      nickname: String(input.nickname ?? ''),
      firstname: String(input.first_name ?? ''),
      lastname: String(input.last_name ?? ''),
      position: '',
      roles: first ? 'system_admin system_user' : 'system_user',
      locale: String(input.locale || 'en'),
    };
    await this.db.request('insert', { table: 'users', row: user });
    console.log(
      JSON.stringify({
        timestamp: stamp(),
        level: 'info',
        msg: 'User created',
        caller: 'app/user.go:310',
        user_id: user.id,
        first_user: first,
      }),
    );
    return user;
  }

  async verifyEmail(id) {
    const { count } = await this.db.request('update', {
      table: 'users',
      where: { id },
      set: { emailverified: true, updateat: Date.now() },
    });
    if (count === 0) throw new AppError(404, 'app.user.missing_account.const', 'Unable to find the user.');
  }

  async setRoles(id, roles) {
    const valid = String(roles).split(/\s+/).filter(Boolean);
    if (
      valid.some(
        (r) =>
          ![
            'system_user',
            'system_admin',
            'system_guest',
            'system_manager',
            'system_user_manager',
            'system_read_only_admin',
          ].includes(r),
      )
    ) {
      throw new AppError(
        400,
        'api.user.update_user_roles.bad_parameter.app_error',
        'Invalid or missing roles in request body.',
      );
    }
    const { count } = await this.db.request('update', {
      table: 'users',
      where: { id },
      set: { roles: valid.join(' '), updateat: Date.now() },
    });
    if (count === 0) throw new AppError(404, 'app.user.missing_account.const', 'Unable to find the user.');
  }
}

/** Mattermost's log timestamp: "2026-11-22 02:43:04.123 Z". */
export const stamp = () => new Date().toISOString().replace('T', ' ').replace('Z', ' Z');
