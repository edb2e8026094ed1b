// Stand-in for mongod (mongodb/mongodb-community-server). Speaks the stand-ins' line-JSON protocol (lib/wire.mjs)
// on --port (27017), keeps its state as JSON under --dbpath (/data/db) and mimics what the wizard relies on:
// structured JSON log lines, replica-set initiation (rs.initiate) with a short "election" before it becomes
// primary, "not primary" errors before that, and a refusal to start when the dbpath is not writable.
import crypto from 'node:crypto';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { exitOnSignals, parseFlags } from '../lib/proc.mjs';
import { applyUpdate, loadState, matches, saveState } from './store.mjs';

const VERSION = process.env.MONGO_STANDIN_VERSION || '8.2.1';
const ELECTION_MS = 1000;
const startedAt = Date.now();

const { opts } = parseFlags(process.argv.slice(2), ['bind_ip_all', 'quiet', 'ipv6', 'auth', 'noauth']);
const replSetName = typeof opts.replSet === 'string' && opts.replSet ? opts.replSet : null;
const port = Number(opts.port ?? 27017);
const dbpath = typeof opts.dbpath === 'string' ? opts.dbpath : '/data/db';
const bindIp = opts.bind_ip_all ? '0.0.0.0' : String(opts.bind_ip ?? '127.0.0.1').split(',')[0];

/** mongod's structured log line format (4.4+). */
function log(s, c, id, ctx, msg, attr) {
  const line = { t: { $date: new Date().toISOString().replace('Z', '+00:00') }, s, c, id, ctx, msg };
  if (attr) line.attr = attr;
  console.log(JSON.stringify(line));
}

function fatal(error) {
  log('E', 'CONTROL', 20557, 'initandlisten', 'DBException in initAndListen, terminating', { error });
  log('I', 'CONTROL', 20565, 'initandlisten', 'Now exiting');
  log('I', 'CONTROL', 23138, 'initandlisten', 'Shutting down', { exitCode: 100 });
  process.exit(100);
}

log('I', 'CONTROL', 4615611, 'initandlisten', 'MongoDB starting', {
  pid: process.pid,
  port,
  dbPath: dbpath,
  architecture: '64-bit',
  host: os.hostname(),
});
log('I', 'CONTROL', 23403, 'initandlisten', 'Build Info', {
  buildInfo: { version: VERSION, gitVersion: 'standin' },
});

// Same checks, messages and exit code (100) as the real mongod.
if (!fs.existsSync(dbpath)) {
  fatal(
    `NonExistentPath: Data directory ${dbpath} not found. Create the missing directory or specify another path using (1) the --dbpath command line option, or (2) by adding the 'storage.dbPath' option in the configuration file.`,
  );
}
try {
  fs.accessSync(dbpath, fs.constants.W_OK);
  fs.writeFileSync(path.join(dbpath, 'mongod.lock'), `${process.pid}\n`);
} catch {
  fatal(`IllegalOperation: Attempted to create a lock file on a read-only directory: ${dbpath}`);
}
let state;
try {
  state = loadState(dbpath);
} catch (err) {
  fatal(`Location28595: ${err.message}`);
}

let primary = !replSetName; // a standalone server accepts writes at once
let connectionCount = 0;
let totalConnections = 0;

function scheduleElection() {
  setTimeout(() => {
    primary = true;
    log('I', 'REPL', 21358, 'ReplCoord-0', 'Replica set state transition', {
      newState: 'PRIMARY',
      oldState: 'SECONDARY',
    });
    log(
      'I',
      'REPL',
      21331,
      'OplogApplier-0',
      'Transition to primary complete; database writes are now permitted',
    );
  }, ELECTION_MS);
}
if (replSetName && state.replSetConfig) scheduleElection();
if (replSetName && !state.replSetConfig) {
  log(
    'I',
    'REPL',
    21311,
    'initandlisten',
    'Did not find local replica set configuration document at startup',
    {
      error: {
        code: 47,
        codeName: 'NoMatchingDocument',
        errmsg: 'Did not find replica set configuration document in local.system.replset',
      },
    },
  );
}

class CommandError extends Error {
  constructor(code, codeName, errmsg) {
    super(errmsg);
    Object.assign(this, { code, codeName });
  }
}

const requirePrimary = () => {
  if (!primary) throw new CommandError(10107, 'NotWritablePrimary', 'not primary');
};
/** The documents of db.coll, created empty on first use like MongoDB's implicit collections. */
function collection(db, coll) {
  state.databases[db] ??= {};
  state.databases[db][coll] ??= [];
  return state.databases[db][coll];
}
const selfHost = () => state.replSetConfig?.members?.[0]?.host ?? `${os.hostname()}:${port}`;

/** True when host:port names this very server (what rs.initiate checks for its own member entry). */
async function isSelf(member) {
  const [host, memberPort = '27017'] = String(member).split(':');
  if (Number(memberPort) !== port) return false;
  if (host === os.hostname() || host === 'localhost') return true;
  try {
    const addrs = (await dns.lookup(host, { all: true })).map((a) => a.address);
    const mine = Object.values(os.networkInterfaces())
      .flat()
      .map((i) => i.address);
    return addrs.some((a) => mine.includes(a) || a.startsWith('127.'));
  } catch {
    return false;
  }
}

function hello() {
  const base = {
    maxWireVersion: 25,
    minWireVersion: 0,
    localTime: new Date().toISOString(),
    connectionId: totalConnections,
  };
  if (!replSetName) return { ...base, ismaster: true, isWritablePrimary: true };
  if (!state.replSetConfig) {
    return {
      ...base,
      ismaster: false,
      isWritablePrimary: false,
      secondary: false,
      isreplicaset: true,
      info: 'Does not have a valid replica set config',
    };
  }
  const hosts = state.replSetConfig.members.map((m) => m.host);
  return {
    ...base,
    ismaster: primary,
    isWritablePrimary: primary,
    secondary: !primary,
    setName: replSetName,
    hosts,
    me: selfHost(),
    ...(primary ? { primary: selfHost() } : {}),
  };
}

const commands = {
  hello,
  isMaster: hello,
  ismaster: hello,
  ping: () => ({}),
  buildInfo: () => ({ version: VERSION, gitVersion: 'standin', storageEngines: ['wiredTiger'], bits: 64 }),
  serverStatus: () => ({
    host: os.hostname(),
    version: VERSION,
    process: 'mongod',
    uptime: Math.floor((Date.now() - startedAt) / 1000),
    connections: { current: connectionCount, totalCreated: totalConnections },
    repl: hello(),
  }),

  async replSetInitiate({ config }) {
    if (!replSetName)
      throw new CommandError(
        76,
        'NoReplicationEnabled',
        'This node was not started with replication enabled.',
      );
    if (state.replSetConfig) throw new CommandError(23, 'AlreadyInitialized', 'already initialized');
    const cfg = config ?? { _id: replSetName, members: [{ _id: 0, host: `${os.hostname()}:${port}` }] };
    if (cfg._id !== replSetName) {
      throw new CommandError(
        93,
        'InvalidReplicaSetConfig',
        `Attempting to initiate a replica set with name ${cfg._id}, but command line reports ${replSetName}; rejecting`,
      );
    }
    const self = [];
    for (const m of cfg.members ?? []) if (await isSelf(m.host)) self.push(m);
    if (self.length !== 1) {
      throw new CommandError(
        93,
        'InvalidReplicaSetConfig',
        `No host described in new configuration with {version: 1, term: 0} for replica set ${replSetName} maps to this node`,
      );
    }
    state.replSetConfig = { ...cfg, version: 1, term: 1 };
    saveState(dbpath, state);
    log('I', 'REPL', 21356, 'conn', 'replSetInitiate config object parses ok', {
      numMembers: cfg.members.length,
    });
    scheduleElection();
    return {};
  },
  replSetGetStatus() {
    if (!replSetName) throw new CommandError(76, 'NoReplicationEnabled', 'not running with --replSet');
    if (!state.replSetConfig)
      throw new CommandError(94, 'NotYetInitialized', 'no replset config has been received');
    const uptime = Math.floor((Date.now() - startedAt) / 1000);
    const stateStr = primary ? 'PRIMARY' : 'SECONDARY';
    return {
      set: replSetName,
      date: new Date().toISOString(),
      myState: primary ? 1 : 2,
      members: state.replSetConfig.members.map((m) => ({
        _id: m._id,
        name: m.host,
        health: 1,
        state: primary ? 1 : 2,
        stateStr,
        uptime,
        self: true,
      })),
    };
  },
  replSetGetConfig() {
    if (!state.replSetConfig)
      throw new CommandError(94, 'NotYetInitialized', 'no replset config has been received');
    return { config: state.replSetConfig };
  },

  listDatabases: () => ({
    databases: Object.keys(state.databases).map((name) => ({
      name,
      sizeOnDisk: JSON.stringify(state.databases[name]).length,
      empty: false,
    })),
  }),
  find({ db, collection: coll, filter, limit = 0 }) {
    requirePrimary();
    const docs = collection(db, coll).filter((d) => matches(d, filter));
    return { docs: limit ? docs.slice(0, limit) : docs };
  },
  count({ db, collection: coll, filter }) {
    requirePrimary();
    return { n: collection(db, coll).filter((d) => matches(d, filter)).length };
  },
  insert({ db, collection: coll, documents }) {
    requirePrimary();
    const docs = collection(db, coll);
    for (const doc of documents) {
      doc._id ??= crypto.randomBytes(12).toString('hex');
      if (docs.some((d) => d._id === doc._id)) {
        throw new CommandError(
          11000,
          'DuplicateKey',
          `E11000 duplicate key error collection: ${db}.${coll} index: _id_ dup key: { _id: ${JSON.stringify(doc._id)} }`,
        );
      }
      docs.push(doc);
    }
    saveState(dbpath, state);
    return { n: documents.length };
  },
  update({ db, collection: coll, filter, update, multi = false, upsert = false }) {
    requirePrimary();
    const hits = collection(db, coll).filter((d) => matches(d, filter));
    const targets = multi ? hits : hits.slice(0, 1);
    for (const doc of targets) applyUpdate(doc, update);
    let upserted;
    if (!targets.length && upsert) {
      const doc = Object.fromEntries(Object.entries(filter ?? {}).filter(([k]) => !k.startsWith('$')));
      applyUpdate(doc, update);
      doc._id ??= crypto.randomBytes(12).toString('hex');
      collection(db, coll).push(doc);
      upserted = doc._id;
    }
    saveState(dbpath, state);
    return {
      n: targets.length + (upserted ? 1 : 0),
      nModified: targets.length,
      ...(upserted ? { upserted } : {}),
    };
  },
  delete({ db, collection: coll, filter, limit = 0 }) {
    requirePrimary();
    const docs = collection(db, coll);
    let n = 0;
    for (let i = docs.length - 1; i >= 0; i--) {
      if (matches(docs[i], filter) && (!limit || n < limit)) {
        docs.splice(i, 1);
        n++;
      }
    }
    saveState(dbpath, state);
    return { n };
  },
  drop({ db, collection: coll }) {
    requirePrimary();
    if (state.databases[db]) delete state.databases[db][coll];
    saveState(dbpath, state);
    return {};
  },
  dump({ db }) {
    requirePrimary();
    const databases = db ? { [db]: state.databases[db] ?? {} } : state.databases;
    return { databases };
  },
  /** Like mongorestore: --drop replaces each collection, otherwise documents whose _id exists are skipped. */
  restore({ databases, drop = false }) {
    requirePrimary();
    let restored = 0;
    let failed = 0;
    for (const [db, colls] of Object.entries(databases)) {
      for (const [coll, docs] of Object.entries(colls)) {
        if (drop) collection(db, coll).length = 0;
        const target = collection(db, coll);
        for (const doc of docs) {
          if (target.some((d) => d._id === doc._id)) failed++;
          else {
            target.push(doc);
            restored++;
          }
        }
      }
    }
    saveState(dbpath, state);
    return { restored, failed };
  },
};

async function handle(request) {
  const fn = commands[request.op];
  if (!fn) throw new CommandError(59, 'CommandNotFound', `no such command: '${request.op}'`);
  return fn(request);
}

const server = net.createServer((socket) => {
  connectionCount++;
  totalConnections++;
  const connectionId = totalConnections;
  log('I', 'NETWORK', 22943, 'listener', 'Connection accepted', {
    remote: `${socket.remoteAddress}:${socket.remotePort}`,
    connectionId,
    connectionCount,
  });
  socket.setEncoding('utf8');
  let buffer = '';
  socket.on('data', async (chunk) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      // Take the line before any await: another 'data' event may consume the buffer meanwhile.
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!line.trim()) continue;
      let request = {};
      let reply;
      try {
        request = JSON.parse(line);
        reply = { ...(await handle(request)), ok: 1 };
      } catch (err) {
        reply = {
          ok: 0,
          errmsg: err.message,
          code: err.code ?? 8000,
          codeName: err.codeName ?? 'InternalError',
        };
      }
      if (!socket.destroyed) socket.write(`${JSON.stringify({ ...reply, id: request.id })}\n`);
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    connectionCount--;
    log('I', 'NETWORK', 22944, `conn${connectionId}`, 'Connection ended', {
      remote: `${socket.remoteAddress}:${socket.remotePort}`,
      connectionId,
      connectionCount,
    });
  });
});

server.on('error', (err) => fatal(`Location9001: ${err.message}`));
server.listen(port, bindIp, () => {
  log('I', 'NETWORK', 23015, 'listener', 'Listening on', { address: bindIp, port });
  log('I', 'NETWORK', 23016, 'listener', 'Waiting for connections', { port, ssl: 'off' });
});

exitOnSignals((signal) => {
  log('I', 'CONTROL', 23377, 'SignalHandler', 'Received signal', {
    signal: signal === 'SIGTERM' ? 15 : 2,
    error: signal,
  });
  fs.rmSync(path.join(dbpath, 'mongod.lock'), { force: true });
  log('I', 'CONTROL', 20565, 'SignalHandler', 'Now exiting');
  log('I', 'CONTROL', 23138, 'SignalHandler', 'Shutting down', { exitCode: 0 });
});
