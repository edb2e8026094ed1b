// Stand-in for Mastodon's `bin/tootctl` (Thor), the account commands an install uses, with the real wording:
//   accounts create USERNAME --email E [--confirmed] [--role NAME] [--approve]
//       "OK" and "New password: <32 hex digits>" (SecureRandom.hex); the errors of lib/mastodon/cli/accounts.rb:
//       "Cannot find user role with that name", "Failure/Error: account.username\n    taken" (or invalid,
//       reserved), "Failure/Error: email\n    taken"; exit 1.
//   accounts approve USERNAME | --all, accounts modify USERNAME [--approve] [--confirm] [--reset-password] [--role R],
//   version.
// Passwords are stored as "sha256:<hex>" (the real one uses bcrypt), so tests can check the printed one.
import { createHash, randomBytes } from 'node:crypto';
import { boot, database, VERSION } from './boot.mjs';

const argv = process.argv.slice(2);
const fail = (message) => {
  console.error(message);
  process.exit(1);
};
if (argv[0] === 'version') {
  console.log(VERSION);
  process.exit(0);
}
boot();

const opts = {};
const positional = [];
for (let i = 0; i < argv.length; i++) {
  const m = /^--(no-)?([a-z0-9-]+)(?:=(.*))?$/.exec(argv[i]);
  if (!m) positional.push(argv[i]);
  else if (m[3] !== undefined) opts[m[2]] = m[3];
  else if (['email', 'role'].includes(m[2])) opts[m[2]] = argv[++i];
  else opts[m[2]] = !m[1];
}
const [namespace, command, username] = positional;
if (namespace !== 'accounts') fail(`Could not find command "${namespace ?? ''}".`);

let db;
try {
  db = await database();
} catch (e) {
  fail(`${e.message} (ActiveRecord::ConnectionNotEstablished)`);
}
const select = (table, where) =>
  db.call('select', { table, where }).then(
    (r) => r.rows,
    (e) => fail(`PG::UndefinedTable: ${e.message} (ActiveRecord::StatementInvalid)`),
  );
const now = () => new Date().toISOString();
const hash = (pw) => `sha256:${createHash('sha256').update(pw).digest('hex')}`;
const RESERVED = ['admin', 'support', 'help', 'root', 'webmaster', 'administrator', 'mod', 'moderator'];

async function findLocal(name) {
  const accounts = (await select('accounts')).filter(
    (a) => a.domain === null && a.username?.toLowerCase() === name?.toLowerCase(),
  );
  return accounts[0];
}
async function userOf(account) {
  return account ? (await select('users', { account_id: account.id }))[0] : undefined;
}

switch (command) {
  case 'create': {
    if (!username)
      fail(
        'ERROR: "tootctl accounts create" was called with no arguments\nUsage: "tootctl accounts create USERNAME"',
      );
    if (!opts.email) fail("No value provided for required options '--email'");
    let roleId = null;
    if (opts.role) {
      const role = (await select('user_roles', { name: opts.role }))[0];
      if (!role) fail('Cannot find user role with that name');
      roleId = role.id;
    }
    const errors = [];
    if (!/^[a-z0-9_]+([a-z0-9_.-]+[a-z0-9_]+)?$/i.test(username) || username.length > 30)
      errors.push(['account.username', 'invalid']);
    else if (RESERVED.includes(username.toLowerCase())) errors.push(['account.username', 'reserved']);
    else if (await findLocal(username)) errors.push(['account.username', 'taken']);
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(opts.email)) errors.push(['email', 'invalid']);
    else if ((await select('users')).some((u) => u.email.toLowerCase() === opts.email.toLowerCase()))
      errors.push(['email', 'taken']);
    if (errors.length > 0)
      fail(errors.map(([attr, type]) => `Failure/Error: ${attr}\n    ${type}\n`).join(''));
    const password = randomBytes(16).toString('hex');
    const account = (
      await db.call('insert', { table: 'accounts', row: { username, domain: null, created_at: now() } })
    ).row;
    await db.call('insert', {
      table: 'users',
      row: {
        email: opts.email,
        account_id: account.id,
        encrypted_password: hash(password),
        role_id: roleId,
        confirmed_at: opts.confirmed ? now() : null,
        approved: Boolean(opts.approve),
        created_at: now(),
      },
    });
    console.log('OK');
    console.log(`New password: ${password}`);
    break;
  }
  case 'approve': {
    if (opts.all) {
      for (const u of await select('users', { approved: false }))
        await db.call('update', { table: 'users', where: { id: u.id }, set: { approved: true } });
      console.log('OK');
      break;
    }
    const account = await findLocal(username);
    if (!account) fail('No such account');
    const user = await userOf(account);
    if (user) await db.call('update', { table: 'users', where: { id: user.id }, set: { approved: true } });
    console.log('OK');
    break;
  }
  case 'modify': {
    const user = await userOf(await findLocal(username));
    if (!user) fail('No user with such username');
    const set = {};
    if (opts.role) {
      const role = (await select('user_roles', { name: opts.role }))[0];
      if (!role) fail('Cannot find user role with that name');
      set.role_id = role.id;
    }
    if (opts.approve) set.approved = true;
    if (opts.confirm) set.confirmed_at = now();
    const password = opts['reset-password'] ? randomBytes(16).toString('hex') : undefined;
    if (password) set.encrypted_password = hash(password);
    await db.call('update', { table: 'users', where: { id: user.id }, set });
    console.log('OK');
    if (password) console.log(`New password: ${password}`);
    break;
  }
  default:
    fail(`Could not find command "${command ?? ''}" in "accounts" namespace.`);
}
db.close();
process.exit(0);
