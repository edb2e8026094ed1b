// Stand-in for mmctl, in local mode only (--local, or MMCTL_LOCAL=true): it talks HTTP to the server's Unix socket
// (MMCTL_LOCAL_SOCKET_PATH, default /var/tmp/mattermost_local.socket), as the real one does. Commands:
//   user create --email E --username U --password P [--system-admin] [--email-verified] [--nickname N] ...
//   user search USER...      (by email, then username, then id; exit 1 and "user X not found" for a miss)
//   user list [--page N] [--per-page N] [--all]
//   user verify USER...      (marks the email verified: "User X verified")
//   roles system-admin USER... (adds system_admin: "System admin role assigned to user "X". Current roles are: ...")
//   version
// As the real mmctl, `user create` takes the password only as --password (an argv any `ps` on the host sees): the
// wizard creates its admin through the REST API instead, and uses `roles system-admin` and `user verify`.
// Output follows mmctl's plain templates ("Created user admin", "id: ...\nusername: ...") or JSON with --format json
// (or --json); errors go to stderr as "Error: ..." with exit 1, e.g. the server's "An account with that username
// already exists." for a duplicate.
import fs from 'node:fs';
import http from 'node:http';

const BOOL = new Set([
  'local',
  'json',
  'system-admin',
  'system_admin',
  'email-verified',
  'email_verified',
  'guest',
  'disable-welcome-email',
  'all',
  'inactive',
  'strict',
  'insecure-sha1-intermediate',
  'insecure-tls-version',
  'disable-pager',
  'quiet',
  'suppress-warnings',
]);

const args = [];
const flags = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(argv[i]);
  if (!m) args.push(argv[i]);
  else if (m[2] !== undefined) flags[m[1]] = m[2];
  else if (BOOL.has(m[1])) flags[m[1]] = true;
  else if (i + 1 < argv.length) flags[m[1]] = argv[++i];
  else fail(`flag needs an argument: --${m[1]}`);
}
const json = flags.json === true || flags.format === 'json';

function fail(message) {
  console.error(`Error: ${message}`);
  process.exit(1);
}

function print(text, value) {
  console.log(json ? JSON.stringify(value, null, 2) : text);
}

const local = flags.local === true || process.env.MMCTL_LOCAL === 'true';
if (!local && args[0] !== 'version') {
  fail(
    'cannot read user credentials, maybe you need to use login first: open /home/mattermost/.config/mmctl/config: no such file or directory',
  );
}
const socket = process.env.MMCTL_LOCAL_SOCKET_PATH || '/var/tmp/mattermost_local.socket';

function api(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath: socket, method, path, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => {
          let data = null;
          try {
            data = text ? JSON.parse(text) : null;
          } catch {}
          resolve({ status: res.statusCode, data });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

async function call(method, path, body) {
  if (!fs.existsSync(socket))
    fail(`socket file "${socket}" doesn't exists, please check the server configuration for local mode`);
  const res = await api(method, path, body).catch((err) => fail(`${err.message}`));
  return res;
}

const userTemplate = (u) =>
  `id: ${u.id}\nusername: ${u.username}\nnickname: ${u.nickname}\nposition: ${u.position}\nfirst_name: ${u.first_name}\nlast_name: ${u.last_name}\nemail: ${u.email}\nauth_service: ${u.auth_service}`;

async function findUser(arg) {
  const tries = [];
  if (!arg.includes('..') && /^[^\s@]+@[^\s@]+$/.test(arg))
    tries.push(`/api/v4/users/email/${encodeURIComponent(arg)}`);
  if (!arg.includes('/')) tries.push(`/api/v4/users/username/${encodeURIComponent(arg)}`);
  if (/^[a-z0-9]{26}$/.test(arg)) tries.push(`/api/v4/users/${arg}`);
  for (const path of tries) {
    const res = await call('GET', path);
    if (res.status === 200) return res.data;
    if (res.status !== 404 && res.status !== 400) fail(res.data?.message ?? `HTTP ${res.status}`);
  }
  return null;
}

const required = (...names) => {
  const missing = names.filter((n) => typeof flags[n] !== 'string');
  if (missing.length) fail(`required flag(s) ${missing.map((n) => `"${n}"`).join(', ')} not set`);
};

const [group, command, ...rest] = args;
if (group === 'version') {
  console.log(
    `mmctl:\nVersion:\t${process.env.MM_STANDIN_VERSION ?? '0.0.0'}\nBuiltDate:\tstandin\nCommitDate:\tstandin\nGitCommit:\tstandin\nGitTreeState:\tclean\nGoVersion:\tgo1.24.6\nCompiler:\tgc\nPlatform:\tlinux/amd64`,
  );
  process.exit(0);
}
if (group === 'roles') {
  if (command !== 'system-admin' && command !== 'system_admin')
    fail(`unknown command "${command ?? ''}" for "mmctl roles"`);
  if (rest.length < 1) fail('requires at least 1 arg(s), only received 0');
  const errors = [];
  for (const arg of rest) {
    const u = await findUser(arg);
    if (!u) {
      errors.push(`unable to find user "${arg}"`);
      console.error(`unable to find user "${arg}"`);
      continue;
    }
    const roles = u.roles.split(/\s+/).filter(Boolean);
    if (roles.includes('system_admin')) continue;
    roles.push('system_admin');
    const res = await call('PUT', `/api/v4/users/${u.id}/roles`, { roles: roles.join(' ') });
    if (res.status !== 200) {
      const e = `can't update roles for user "${arg}": ${res.data?.message ?? `HTTP ${res.status}`}`;
      errors.push(e);
      console.error(e);
      continue;
    }
    console.log(`System admin role assigned to user "${arg}". Current roles are: ${roles.join(' ')}`);
  }
  if (errors.length)
    fail(
      `${errors.length} error${errors.length === 1 ? '' : 's'} occurred:\n${errors.map((e) => `\t* ${e}`).join('\n')}`,
    );
  process.exit(0);
}
if (group !== 'user') fail(`unknown command "${group ?? ''}" for "mmctl"`);

if (command === 'create') {
  required('username', 'email', 'password');
  const res = await call('POST', '/api/v4/users', {
    username: flags.username,
    email: flags.email,
    password: flags.password,
    nickname: flags.nickname ?? '',
    first_name: flags.firstname ?? '',
    last_name: flags.lastname ?? '',
    locale: flags.locale ?? '',
    email_verified: flags['email-verified'] === true || flags.email_verified === true,
  });
  if (res.status !== 201) fail(`Unable to create user. Error: ${res.data?.message ?? `HTTP ${res.status}`}`);
  const user = res.data;
  if (flags['system-admin'] === true || flags.system_admin === true) {
    const roles = await call('PUT', `/api/v4/users/${user.id}/roles`, { roles: 'system_user system_admin' });
    if (roles.status !== 200)
      fail(`Unable to update user roles. Error: ${roles.data?.message ?? `HTTP ${roles.status}`}`);
    user.roles = 'system_user system_admin';
  }
  print(`Created user ${user.username}`, user);
} else if (command === 'search') {
  if (rest.length < 1) fail('expected at least one argument. See help text for details');
  const found = [];
  const errors = [];
  for (const arg of rest) {
    const u = await findUser(arg);
    if (u) found.push(u);
    else errors.push(`user ${arg} not found`);
  }
  if (errors.length) {
    const text = `${errors.length} error${errors.length === 1 ? '' : 's'} occurred:\n${errors.map((e) => `\t* ${e}`).join('\n')}\n\n`;
    console.error(text);
    fail(text);
  }
  for (const [i, u] of found.entries())
    print(`${i > 0 ? '------------------------------\n' : ''}${userTemplate(u)}`, u);
} else if (command === 'list') {
  let page = Number(flags.page ?? 0);
  const perPage = Number(flags['per-page'] ?? 200);
  for (;;) {
    const res = await call('GET', `/api/v4/users?page=${page}&per_page=${perPage}`);
    if (res.status !== 200) fail(`Failed to fetch users: ${res.data?.message ?? `HTTP ${res.status}`}`);
    for (const u of res.data) print(`${u.id}: ${u.username} (${u.email})`, u);
    if (!flags.all || res.data.length === 0) break;
    page++;
  }
} else if (command === 'verify') {
  if (rest.length < 1) fail('expected at least one argument. See help text for details');
  const errors = [];
  for (const arg of rest) {
    const u = await findUser(arg);
    if (!u) {
      errors.push(`user ${arg} not found`);
      continue;
    }
    const res = await call('PUT', `/api/v4/users/${u.id}/email/verify/member`);
    if (res.status !== 200)
      errors.push(`unable to verify user ${u.id} email: ${res.data?.message ?? `HTTP ${res.status}`}`);
    else print(`User ${res.data.username} verified`, res.data);
  }
  if (errors.length)
    fail(
      `${errors.length} error${errors.length === 1 ? '' : 's'} occurred:\n${errors.map((e) => `\t* ${e}`).join('\n')}`,
    );
} else {
  fail(`unknown command "${command ?? ''}" for "mmctl user"`);
}
