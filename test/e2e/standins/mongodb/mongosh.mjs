// Stand-in for mongosh: `mongosh [URI] [--quiet] --eval EXPR` (or a script on stdin). EXPR runs synchronously in
// a JavaScript context with mongosh's globals (db, rs, print, printjson, sleep, ...), and the value of its last
// expression is printed in mongosh's style (`{ ok: 1 }`). Errors print like mongosh 2.x
// (`MongoServerError[AlreadyInitialized]: already initialized`, `MongoNetworkError: connect ECONNREFUSED ...`)
// and exit 1. Like mongosh, a URI without replicaSet gets directConnection=true.
import crypto from 'node:crypto';
import fs from 'node:fs';
import util from 'node:util';
import vm from 'node:vm';
import { parseFlags } from '../lib/proc.mjs';
import { parseMongoUri } from '../lib/wire.mjs';
import { SyncClient } from './sync-client.mjs';

const MONGOSH_VERSION = '2.5.8';
const SERVER_SELECTION_TIMEOUT_MS = 2000; // mongosh's own default

const { opts, positional } = parseFlags(process.argv.slice(2), ['quiet', 'norc', 'nodb', 'json']);

function resolveUri() {
  let uri = positional[0] ?? '';
  if (!uri.startsWith('mongodb://')) {
    // `mongosh`, `mongosh mydb`, `mongosh host:port/db`, `--host h --port p`
    const host = opts.host ?? (uri.includes(':') || uri.includes('/') ? uri.split('/')[0] : '127.0.0.1');
    const port = opts.port ?? (host.includes(':') ? '' : '27017');
    const db = uri.includes('/') ? uri.split('/')[1] : uri.includes(':') ? '' : uri;
    uri = `mongodb://${host}${port ? `:${port}` : ''}/${db}`;
  }
  const url = new URL(uri.replace(/^mongodb:/, 'http:'));
  if (
    !url.searchParams.has('replicaSet') &&
    !url.searchParams.has('directConnection') &&
    !uri.includes(',')
  ) {
    url.searchParams.set('directConnection', 'true');
  }
  url.searchParams.set('serverSelectionTimeoutMS', String(SERVER_SELECTION_TIMEOUT_MS));
  url.searchParams.set('appName', `mongosh ${MONGOSH_VERSION}`);
  return url.toString().replace(/^http:/, 'mongodb:');
}

const inspect = (value) =>
  typeof value === 'string' ? value : util.inspect(value, { depth: 6, colors: false });

function formatError(err) {
  if (err?.name === 'MongoServerError' && err.codeName)
    return `MongoServerError[${err.codeName}]: ${err.message}`;
  return `${err?.name ?? 'Error'}: ${err?.message ?? String(err)}`;
}

const uri = resolveUri();
const client = new SyncClient();
const quiet = Boolean(opts.quiet);

if (!quiet) {
  console.log(`Current Mongosh Log ID:\t${crypto.randomBytes(12).toString('hex')}`);
  console.log(`Connecting to:\t\t${uri.replace(/&serverSelectionTimeoutMS=\d+/, '')}`);
}

function fail(err) {
  console.error(formatError(err));
  process.exit(1);
}

try {
  client.connect(uri, SERVER_SELECTION_TIMEOUT_MS);
} catch (err) {
  fail(err);
}
const serverVersion = client.command('buildInfo').version;
if (!quiet) {
  console.log(`Using MongoDB:\t\t${serverVersion}`);
  console.log(`Using Mongosh:\t\t${MONGOSH_VERSION}\n`);
  console.log('For mongosh info see: https://www.mongodb.com/docs/mongodb-shell/\n');
}

/** Runs a database command given as "ping" or {ping: 1} / {replSetInitiate: cfg}; returns the reply (ok last). */
function runCommand(cmd) {
  const spec = typeof cmd === 'string' ? { [cmd]: 1 } : cmd;
  const [name] = Object.keys(spec);
  const args =
    name === 'replSetInitiate'
      ? { config: spec.replSetInitiate === 1 ? undefined : spec.replSetInitiate }
      : spec;
  return { ...client.command(name, args), ok: 1 };
}

class Cursor {
  #docs;
  constructor(docs) {
    this.#docs = docs;
  }
  toArray() {
    return this.#docs;
  }
  limit(n) {
    return new Cursor(this.#docs.slice(0, n));
  }
  count() {
    return this.#docs.length;
  }
  forEach(fn) {
    this.#docs.forEach(fn);
  }
  map(fn) {
    return this.#docs.map(fn);
  }
  [util.inspect.custom]() {
    return this.#docs;
  }
}

function collection(dbName, name) {
  const call = (op, args) => client.command(op, { db: dbName, collection: name, ...args });
  const insert = (docs) => {
    for (const doc of docs) doc._id ??= crypto.randomBytes(12).toString('hex');
    return call('insert', { documents: docs });
  };
  // Result documents shaped like mongosh's.
  const updated = ({ n, nModified, upserted }) => ({
    acknowledged: true,
    insertedId: upserted ?? null,
    matchedCount: upserted ? 0 : n,
    modifiedCount: nModified,
    upsertedCount: upserted ? 1 : 0,
  });
  return {
    find: (filter = {}) => new Cursor(call('find', { filter }).docs),
    findOne: (filter = {}) => call('find', { filter, limit: 1 }).docs[0] ?? null,
    countDocuments: (filter = {}) => call('count', { filter }).n,
    insertOne: (doc) => insert([doc]) && { acknowledged: true, insertedId: doc._id },
    insertMany: (docs) => insert(docs) && { acknowledged: true, insertedIds: docs.map((d) => d._id) },
    updateOne: (filter, update, o = {}) => updated(call('update', { filter, update, upsert: o.upsert })),
    updateMany: (filter, update, o = {}) =>
      updated(call('update', { filter, update, upsert: o.upsert, multi: true })),
    deleteOne: (filter) => ({ acknowledged: true, deletedCount: call('delete', { filter, limit: 1 }).n }),
    deleteMany: (filter = {}) => ({ acknowledged: true, deletedCount: call('delete', { filter }).n }),
    drop: () => {
      call('drop', {});
      return true;
    },
  };
}

function database(name) {
  const api = {
    getName: () => name,
    getSiblingDB: (other) => database(other),
    getCollection: (coll) => collection(name, coll),
    adminCommand: runCommand,
    runCommand,
    version: () => serverVersion,
    hello: () => runCommand('hello'),
    isMaster: () => runCommand('isMaster'),
    serverStatus: () => runCommand('serverStatus'),
  };
  // db.<collection> like the real shell.
  return new Proxy(api, {
    get: (target, prop) =>
      prop in target || typeof prop === 'symbol' ? target[prop] : collection(name, prop),
  });
}

const rs = {
  initiate: (config) => runCommand({ replSetInitiate: config ?? 1 }),
  status: () => runCommand('replSetGetStatus'),
  conf: () => runCommand('replSetGetConfig').config,
  isMaster: () => runCommand('isMaster'),
  hello: () => runCommand('hello'),
};

const context = vm.createContext({
  db: database(parseMongoUri(uri).db),
  rs,
  print: (...args) => console.log(args.map(inspect).join(' ')),
  printjson: (v) => console.log(util.inspect(v, { depth: null })),
  sleep: (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms),
  quit: (code = 0) => process.exit(code),
  exit: (code = 0) => process.exit(code),
  ObjectId: (hex) => hex ?? crypto.randomBytes(12).toString('hex'),
  ISODate: (s) => (s ? new Date(s) : new Date()),
  console,
});

const script =
  typeof opts.eval === 'string' ? opts.eval : process.stdin.isTTY ? '' : fs.readFileSync(0, 'utf8');
try {
  const result = vm.runInContext(script, context, { filename: 'mongosh' });
  if (result !== undefined) console.log(inspect(result));
} catch (err) {
  fail(err);
}
client.close();
process.exit(0);
