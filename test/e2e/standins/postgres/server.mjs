// Stand-in for the official postgres image (postgres:<major>-alpine; Mattermost composes 16, Mastodon 14): its
// entrypoint and the server, in one program. As root it takes PGDATA for the postgres user (uid 70, as on Alpine) and drops to it, like the real
// docker-entrypoint.sh with su-exec. On an empty PGDATA it "initdb"s: the superuser POSTGRES_USER with
// POSTGRES_PASSWORD and the database POSTGRES_DB (refusing to start without a password, with the real
// message), serving only the Unix socket meanwhile, as the real temporary server does. Later starts keep what
// PGDATA holds (a changed POSTGRES_PASSWORD is ignored, as for real) and refuse a data folder of another major
// version, a data folder owned by someone else or open to others (PostgreSQL's own checks, with its messages), as the
// real server does when the container runs as another user. Then it listens on 0.0.0.0:5432 and /var/run/postgresql/.s.PGSQL.5432 with the line-JSON protocol of
// pg.mjs: TCP logins need the password, the Unix socket is trusted (the image's pg_hba.conf), everything is with
// POSTGRES_HOST_AUTH_METHOD=trust. Tables live in PGDATA/standin-pg.json; a table created `serial` numbers its rows'
// `id` as a bigserial primary key does (Rails's tables).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { exitOnSignals, sleep } from '../lib/proc.mjs';
import { SOCKET_DIR, socketPath } from './pg.mjs';
import { runSql } from './sql.mjs';

const VERSION = process.env.PG_VERSION || '16.11';
const MAJOR = VERSION.split('.')[0];
const PGDATA = process.env.PGDATA || '/var/lib/postgresql/data';
const PORT = 5432;
const POSTGRES_UID = 70;
const STATE = path.join(PGDATA, 'standin-pg.json');
const INIT_MS = Number(process.env.STANDIN_INITDB_MS || 800);
const VERSION_STRING = `PostgreSQL ${VERSION} on x86_64-pc-linux-musl, compiled by gcc (Alpine 14.2.0) 14.2.0, 64-bit`;

const stamp = () => new Date().toISOString().replace('T', ' ').replace('Z', ' UTC');
const log = (level, msg) => console.log(`${stamp()} [${process.pid}] ${level}:  ${msg}`);

function chownTree(p, uid) {
  fs.lchownSync(p, uid, uid);
  if (!fs.lstatSync(p).isDirectory()) return;
  for (const name of fs.readdirSync(p)) chownTree(path.join(p, name), uid);
}

// --- the entrypoint's part: permissions, then drop to the postgres user --------------------------------------
if (process.getuid() === 0) {
  fs.mkdirSync(PGDATA, { recursive: true });
  chownTree(PGDATA, POSTGRES_UID);
  fs.chmodSync(PGDATA, 0o700);
  try {
    fs.mkdirSync(SOCKET_DIR, { recursive: true });
    fs.chownSync(SOCKET_DIR, POSTGRES_UID, POSTGRES_UID);
  } catch {}
  process.setgid(POSTGRES_UID);
  process.setuid(POSTGRES_UID);
}
try {
  fs.accessSync(PGDATA, fs.constants.W_OK);
} catch {
  console.log(`fixing permissions on existing directory ${PGDATA} ... `);
  console.error(
    `initdb: error: could not change permissions of directory "${PGDATA}": Operation not permitted`,
  );
  process.exit(1);
}
// The server's own checks of its data folder (src/backend/utils/init/miscinit.c), before anything else.
const dataDir = fs.statSync(PGDATA);
if (dataDir.uid !== process.getuid()) {
  log('FATAL', `data directory "${PGDATA}" has wrong ownership`);
  log('HINT', 'The server must be started by the user that owns the data directory.');
  process.exit(1);
}
if ((dataDir.mode & 0o077) !== 0 && (dataDir.mode & 0o777) !== 0o750) {
  log('FATAL', `data directory "${PGDATA}" has invalid permissions`);
  log('DETAIL', 'Permissions should be u=rwx (0700) or u=rwx,g=rx (0750).');
  process.exit(1);
}

const load = () => JSON.parse(fs.readFileSync(STATE, 'utf8'));
function save(state) {
  const tmp = `${STATE}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
  fs.renameSync(tmp, STATE);
}

let state;
let accepting = false;
const servers = [];
exitOnSignals(() => {
  log('LOG', 'received fast shutdown request');
  for (const s of servers) s.close();
  try {
    fs.rmSync(socketPath(), { force: true });
  } catch {}
  log('LOG', 'database system is shut down');
});

// --- the server ------------------------------------------------------------------------------------------------
const fatal = (code, message) => ({ ok: 0, severity: 'FATAL', code, message });
const error = (code, message) => ({ ok: 0, severity: 'ERROR', code, message });

function handle(session, req) {
  const { op } = req;
  if (op === 'ping') return { ok: 1, state: accepting ? 'accepting' : 'rejecting' };
  if (!accepting) return fatal('57P03', 'the database system is starting up');
  if (op === 'startup') {
    const role = state.roles[req.user];
    if (!session.local && state.authMethod !== 'trust') {
      if (!role || role.password !== req.password) {
        log('FATAL', `password authentication failed for user "${req.user}"`);
        return fatal('28P01', `password authentication failed for user "${req.user}"`);
      }
    } else if (!role) {
      return fatal('28000', `role "${req.user}" does not exist`);
    }
    if (!state.databases[req.database]) return fatal('3D000', `database "${req.database}" does not exist`);
    session.user = req.user;
    session.database = req.database;
    return { ok: 1, serverVersion: VERSION };
  }
  if (!session.database) return fatal('08P01', 'expected a startup message first');
  const db = state.databases[session.database];
  const table = (name) => db.tables[name] ?? null;
  switch (op) {
    case 'databases':
      return { ok: 1, names: Object.keys(state.databases) };
    case 'createDatabase': {
      if (state.databases[req.name]) return error('42P04', `database "${req.name}" already exists`);
      state.databases[req.name] = { owner: session.user, tables: {} };
      save(state);
      return { ok: 1 };
    }
    case 'tables':
      return { ok: 1, names: Object.keys(db.tables) };
    case 'dropAllTables':
      db.tables = {};
      save(state);
      return { ok: 1 };
    case 'createTable': {
      if (!db.tables[req.table])
        db.tables[req.table] = {
          unique: req.unique ?? [],
          columns: req.columns ?? [],
          rows: [],
          ...(req.serial ? { seq: 0 } : {}),
        };
      save(state);
      return { ok: 1 };
    }
    case 'insert': {
      const t = table(req.table);
      if (!t) return error('42P01', `relation "${req.table}" does not exist`);
      const row = t.seq !== undefined && req.row.id === undefined ? { id: ++t.seq, ...req.row } : req.row;
      for (const col of t.unique ?? []) {
        if (t.rows.some((r) => r[col] === row[col])) {
          return error('23505', `duplicate key value violates unique constraint "${req.table}_${col}_key"`);
        }
      }
      t.rows.push(row);
      save(state);
      return { ok: 1, count: 1, row };
    }
    case 'select': {
      const t = table(req.table);
      if (!t) return error('42P01', `relation "${req.table}" does not exist`);
      const where = Object.entries(req.where ?? {});
      return { ok: 1, rows: t.rows.filter((r) => where.every(([k, v]) => r[k] === v)) };
    }
    case 'update': {
      const t = table(req.table);
      if (!t) return error('42P01', `relation "${req.table}" does not exist`);
      const where = Object.entries(req.where ?? {});
      let count = 0;
      for (const r of t.rows) {
        if (!where.every(([k, v]) => r[k] === v)) continue;
        Object.assign(r, req.set);
        count++;
      }
      save(state);
      return { ok: 1, count };
    }
    case 'dumpDatabase':
      return { ok: 1, tables: db.tables };
    case 'restoreDatabase': {
      // pg_restore --clean: the dump's tables replace what the database holds.
      db.tables = req.tables ?? {};
      save(state);
      return { ok: 1 };
    }
    case 'sql': {
      try {
        return {
          ok: 1,
          ...runSql(req.text, db, {
            versionString: VERSION_STRING,
            database: session.database,
            user: session.user,
            owner: db.owner ?? session.user,
          }),
        };
      } catch (e) {
        return error(e.code ?? 'XX000', e.message);
      }
    }
    default:
      return error('0A000', `unsupported operation ${op}`);
  }
}

function serve(listenArgs, local) {
  const server = net.createServer((socket) => {
    const session = { local };
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line.trim()) continue;
        let req;
        try {
          req = JSON.parse(line);
        } catch {
          socket.destroy();
          return;
        }
        const reply = handle(session, req);
        socket.write(`${JSON.stringify({ ...reply, id: req.id })}\n`);
        if (reply.severity === 'FATAL') socket.end();
      }
    });
  });
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(...listenArgs, () => resolve(server));
  });
}

async function listenSocket() {
  fs.rmSync(socketPath(), { force: true });
  const server = await serve([socketPath()], true);
  fs.chmodSync(socketPath(), 0o777);
  log('LOG', `listening on Unix socket "${socketPath()}"`);
  return server;
}

// --- initdb on an empty data folder, else start on what is there ------------------------------------------------
const versionFile = path.join(PGDATA, 'PG_VERSION');
if (!fs.existsSync(versionFile)) {
  const user = process.env.POSTGRES_USER || 'postgres';
  const database = process.env.POSTGRES_DB || user;
  const password = process.env.POSTGRES_PASSWORD;
  if (!password && process.env.POSTGRES_HOST_AUTH_METHOD !== 'trust') {
    console.error(`Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
       connections without a password. This is *not* recommended.

       See PostgreSQL documentation about "trust":
       https://www.postgresql.org/docs/current/auth-trust.html`);
    process.exit(1);
  }
  console.log(`The files belonging to this database system will be owned by user "postgres".
This user must also own the server process.

The database cluster will be initialized with locale "en_US.utf8".
The default text search configuration will be set to "english".

fixing permissions on existing directory ${PGDATA} ... ok
creating subdirectories ... ok
performing post-bootstrap initialization ... ok
syncing data to disk ... ok

Success. You can now start the database server using:

    pg_ctl -D ${PGDATA} -l logfile start
`);
  state = {
    authMethod: process.env.POSTGRES_HOST_AUTH_METHOD || 'scram-sha-256',
    roles: { [user]: { password: password ?? null, superuser: true } },
    databases: { postgres: { owner: user, tables: {} } },
  };
  save(state);
  console.log('waiting for server to start....');
  // The temporary server: Unix socket only (listen_addresses=''), so TCP clients see nothing yet.
  const temp = await listenSocket();
  accepting = true;
  log('LOG', 'database system is ready to accept connections');
  console.log(' done\nserver started');
  if (database !== 'postgres') {
    state.databases[database] = { owner: user, tables: {} };
    save(state);
    console.log('CREATE DATABASE\n');
  }
  console.log('\n/usr/local/bin/docker-entrypoint.sh: ignoring /docker-entrypoint-initdb.d/*\n');
  await sleep(INIT_MS);
  accepting = false;
  console.log('waiting for server to shut down....');
  await new Promise((r) => temp.close(r));
  servers.length = 0;
  fs.writeFileSync(versionFile, `${MAJOR}\n`, { mode: 0o600 });
  console.log(' done\nserver stopped\n\nPostgreSQL init process complete; ready for start up.\n');
} else {
  console.log('\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n');
  const found = fs.readFileSync(versionFile, 'utf8').trim();
  if (found !== MAJOR) {
    log('FATAL', 'database files are incompatible with server');
    log(
      'DETAIL',
      `The data directory was initialized by PostgreSQL version ${found}, which is not compatible with this version ${VERSION}.`,
    );
    process.exit(1);
  }
  state = load();
}

log('LOG', `starting ${VERSION_STRING}`);
await serve([PORT, '0.0.0.0'], false);
log('LOG', `listening on IPv4 address "0.0.0.0", port ${PORT}`);
await listenSocket();
accepting = true;
log('LOG', 'database system is ready to accept connections');
