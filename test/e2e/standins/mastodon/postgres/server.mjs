// Stand-in for postgres:14-alpine's entrypoint and server (see ../../README.md). Like the real image: started as
// root it makes PGDATA 0700 and owned by postgres (uid 70), then runs as postgres; an empty PGDATA is initialised
// from POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB (refusing to start without a password unless
// POSTGRES_HOST_AUTH_METHOD=trust), a non-empty one is kept. Connections from inside the container are trusted
// (the image's local trust), others need the role's password. The whole state is one JSON file in PGDATA, so it
// lives in the install's postgres14 folder and survives restarts. The protocol is ../lib/pg.mjs, not PostgreSQL's.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { exitOnSignals } from '../../lib/proc.mjs';
import { readLines } from '../lib/pg.mjs';

const env = process.env;
const PGDATA = env.PGDATA || '/var/lib/postgresql/data';
const STATE = path.join(PGDATA, 'standin-postgres.json');
const PG_UID = 70;
const VERSION = env.PG_VERSION || '14.17';
const STARTUP_MS = Number(env.STANDIN_PG_STARTUP_MS || 1000);
const log = (level, msg) =>
  console.log(
    `${new Date().toISOString().replace('T', ' ').replace('Z', ' UTC')} [${process.pid}] ${level}:  ${msg}`,
  );

function chownTree(dir, uid, gid) {
  const st = fs.lstatSync(dir);
  if (st.uid !== uid || st.gid !== gid) fs.lchownSync(dir, uid, gid);
  if (st.isDirectory()) for (const name of fs.readdirSync(dir)) chownTree(path.join(dir, name), uid, gid);
}

// docker-entrypoint.sh, as root: own the data folder, then drop to postgres.
if (process.getuid() === 0) {
  fs.mkdirSync(PGDATA, { recursive: true });
  fs.chmodSync(PGDATA, 0o700);
  chownTree(PGDATA, PG_UID, PG_UID);
  fs.mkdirSync('/var/run/postgresql', { recursive: true });
  fs.chownSync('/var/run/postgresql', PG_UID, PG_UID);
  process.setgroups([PG_UID]);
  process.setgid(PG_UID);
  process.setuid(PG_UID);
}
const st = fs.statSync(PGDATA);
if (st.uid !== process.getuid()) {
  log(
    'FATAL',
    `data directory "${PGDATA}" has wrong ownership\nHINT:  The server must be started by the user that owns the data directory.`,
  );
  process.exit(1);
}
if ((st.mode & 0o077) !== 0 && (st.mode & 0o777) !== 0o750) {
  log(
    'FATAL',
    `data directory "${PGDATA}" has invalid permissions\nDETAIL:  Permissions should be u=rwx (0700) or u=rwx,g=rx (0750).`,
  );
  process.exit(1);
}

let state;
if (fs.existsSync(path.join(PGDATA, 'PG_VERSION'))) {
  console.log('\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n');
  state = JSON.parse(fs.readFileSync(STATE, 'utf8'));
} else {
  if (!env.POSTGRES_PASSWORD && env.POSTGRES_HOST_AUTH_METHOD !== 'trust') {
    console.error(`Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
       connections without a password. This is *not* recommended.`);
    process.exit(1);
  }
  const user = env.POSTGRES_USER || 'postgres';
  const db = env.POSTGRES_DB || user;
  console.log('The files belonging to this database system will be owned by user "postgres".');
  console.log('initdb: warning: enabling "trust" authentication for local connections');
  state = {
    version: VERSION,
    authMethod: env.POSTGRES_HOST_AUTH_METHOD || 'scram-sha-256',
    roles: { [user]: { password: env.POSTGRES_PASSWORD || '', superuser: true } },
    databases: { postgres: { owner: user, tables: {} }, [db]: { owner: user, tables: {} } },
  };
  save();
  fs.writeFileSync(path.join(PGDATA, 'PG_VERSION'), '14\n');
  console.log('\nPostgreSQL init process complete; ready for start up.\n');
}

function save() {
  fs.writeFileSync(`${STATE}.tmp`, JSON.stringify(state));
  fs.renameSync(`${STATE}.tmp`, STATE);
}

class SqlError extends Error {
  constructor(message, code) {
    super(`ERROR:  ${message}`);
    this.code = code;
  }
}

const fatal = (message, code) => Object.assign(new Error(`FATAL:  ${message}`), { code });
const matches = (row, where = {}) => Object.entries(where).every(([k, v]) => row[k] === v);

function tableOf(session, name, create = false) {
  const tables = state.databases[session.database].tables;
  if (!tables[name]) {
    if (!create) throw new SqlError(`relation "${name}" does not exist`, '42P01');
    tables[name] = { seq: 0, rows: [] };
  }
  return tables[name];
}

function literal(text) {
  const t = text.trim();
  if (/^'.*'$/.test(t)) return t.slice(1, -1).replace(/''/g, "'");
  if (/^-?\d+$/.test(t)) return Number(t);
  if (/^(true|false)$/i.test(t)) return t.toLowerCase() === 'true';
  if (/^null$/i.test(t)) return null;
  throw new SqlError(`column "${t}" does not exist`, '42703');
}

/** The SQL the wizard, the healthchecks and the tests send: SELECTs with equality WHEREs, nothing more. */
function query(session, sql) {
  const s = sql.trim().replace(/;\s*$/, '');
  if (/^select\s+1$/i.test(s)) return { columns: ['?column?'], rows: [[1]] };
  if (/^select\s+version\(\)$/i.test(s))
    return {
      columns: ['version'],
      rows: [[`PostgreSQL ${state.version} on x86_64-pc-linux-musl (wizard stand-in)`]],
    };
  const m =
    /^select\s+(.+?)\s+from\s+([a-z_][a-z0-9_.]*)(?:\s+where\s+(.+?))?(?:\s+order\s+by\s+([a-z_]+))?$/i.exec(
      s,
    );
  if (!m) throw new SqlError(`the PostgreSQL stand-in does not understand this statement: ${s}`, '42601');
  const [, cols, from, whereText, order] = m;
  const where = {};
  for (const cond of whereText ? whereText.split(/\s+and\s+/i) : []) {
    const c = /^([a-z_]+)\s*=\s*(.+)$/i.exec(cond.trim());
    if (!c)
      throw new SqlError(`the PostgreSQL stand-in does not understand this condition: ${cond}`, '42601');
    where[c[1]] = literal(c[2]);
  }
  let rows;
  if (from.toLowerCase() === 'pg_tables' || from.toLowerCase() === 'pg_catalog.pg_tables') {
    rows = Object.keys(state.databases[session.database].tables).map((tablename) => ({
      schemaname: 'public',
      tablename,
      tableowner: state.databases[session.database].owner,
    }));
  } else rows = tableOf(session, from.replace(/^public\./, '')).rows;
  rows = rows.filter((r) => matches(r, where));
  if (order) rows = [...rows].sort((a, b) => (a[order] > b[order] ? 1 : a[order] < b[order] ? -1 : 0));
  if (/^count\(\*\)$/i.test(cols.trim())) return { columns: ['count'], rows: [[rows.length]] };
  const names =
    cols.trim() === '*'
      ? [...new Set(rows.flatMap((r) => Object.keys(r)))]
      : cols.split(',').map((c) => c.trim());
  return { columns: names, rows: rows.map((r) => names.map((n) => r[n] ?? null)) };
}

const isLocal = (address = '') => /^(127\.|::1$|::ffff:127\.)/.test(address);
let starting = true;

function handle(session, msg, remote) {
  switch (msg.op) {
    case 'ping':
      return { accepting: !starting };
    case 'startup': {
      if (starting) throw fatal('the database system is starting up', '57P03');
      const role = state.roles[msg.user];
      const trusted = isLocal(remote) || state.authMethod === 'trust';
      if (!trusted && (!role || role.password !== msg.password))
        throw fatal(`password authentication failed for user "${msg.user}"`, '28P01');
      if (!role) throw fatal(`role "${msg.user}" does not exist`, '28000');
      if (!state.databases[msg.database]) throw fatal(`database "${msg.database}" does not exist`, '3D000');
      session.user = msg.user;
      session.database = msg.database;
      return {};
    }
  }
  if (!session.database) throw new SqlError('not authenticated', '08P01');
  const db = state.databases[session.database];
  switch (msg.op) {
    case 'databases':
      return { names: Object.keys(state.databases) };
    case 'createDatabase':
      if (state.databases[msg.name]) throw new SqlError(`database "${msg.name}" already exists`, '42P04');
      state.databases[msg.name] = { owner: session.user, tables: {} };
      save();
      return {};
    case 'tables':
      return { names: Object.keys(db.tables) };
    case 'createTable':
      tableOf(session, msg.table, true);
      save();
      return {};
    case 'dumpDatabase':
      return { tables: db.tables };
    case 'restoreDatabase':
      // pg_restore --clean: the dump's tables replace what the database holds.
      db.tables = msg.tables ?? {};
      save();
      return {};
    case 'dropAllTables':
      db.tables = {};
      save();
      return {};
    case 'select':
      return { rows: tableOf(session, msg.table).rows.filter((r) => matches(r, msg.where)) };
    case 'insert': {
      const t = tableOf(session, msg.table);
      const row = { id: msg.row.id ?? ++t.seq, ...msg.row };
      t.rows.push(row);
      save();
      return { row };
    }
    case 'update': {
      const rows = tableOf(session, msg.table).rows.filter((r) => matches(r, msg.where));
      for (const r of rows) Object.assign(r, msg.set);
      save();
      return { count: rows.length };
    }
    case 'query':
      return query(session, msg.sql);
    default:
      throw new SqlError(`unknown operation ${msg.op}`, '0A000');
  }
}

const server = net.createServer((socket) => {
  const session = {};
  const remote = socket.remoteAddress;
  socket.on('error', () => {});
  readLines(socket, (msg) => {
    try {
      socket.write(`${JSON.stringify({ id: msg.id, ok: true, ...handle(session, msg, remote) })}\n`);
    } catch (e) {
      socket.write(`${JSON.stringify({ id: msg.id, ok: false, error: e.message, code: e.code })}\n`);
      if (msg.op === 'startup') socket.end();
    }
  });
});

exitOnSignals(() => {
  log('LOG', 'received fast shutdown request');
  server.close();
});
server.listen(5432, '0.0.0.0', () => {
  log('LOG', `starting PostgreSQL ${state.version} on x86_64-pc-linux-musl (wizard stand-in)`);
  log('LOG', 'listening on IPv4 address "0.0.0.0", port 5432');
  setTimeout(() => {
    starting = false;
    log('LOG', 'database system is ready to accept connections');
  }, STARTUP_MS);
});
