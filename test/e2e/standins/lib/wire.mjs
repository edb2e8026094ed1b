// The stand-ins' own MongoDB "wire protocol": one JSON object per line over TCP.
//   request:  {"id":1,"op":"hello"}                      (plus op-specific fields)
//   response: {"id":1,"ok":1,...}  or  {"id":1,"ok":0,"errmsg":"...","code":N,"codeName":"..."}
// Used by the mongod stand-in (server side) and by mongosh, mongodump, mongorestore, Rocket.Chat's main.js and
// the mongodb_exporter stand-in (client side). Error class names and messages copy the real Node.js driver's.
import net from 'node:net';
import { JsonLineClient } from './jsonline.mjs';

export class MongoError extends Error {
  get name() {
    return this.constructor.name;
  }
}
export class MongoNetworkError extends MongoError {}
export class MongoServerSelectionError extends MongoError {}
export class MongoParseError extends MongoError {}
export class MongoServerError extends MongoError {
  constructor(reply) {
    super(reply.errmsg ?? 'unknown error');
    this.code = reply.code;
    this.codeName = reply.codeName;
  }
}

/** Parses mongodb://[user:pass@]host[:port][,host...][/db][?opts] the way the driver does (enough of it). */
export function parseMongoUri(uri) {
  const m = /^mongodb:\/\/(?:[^@/]*@)?([^/?]+)(?:\/([^?]*))?(?:\?(.*))?$/.exec(uri ?? '');
  if (!m) throw new MongoParseError('Invalid scheme, expected connection string to start with "mongodb://"');
  const hosts = m[1].split(',').map((h) => {
    const [host, port] = h.split(':');
    return { host, port: Number(port ?? 27017) };
  });
  const options = Object.fromEntries(new URLSearchParams(m[3] ?? ''));
  return { hosts, db: decodeURIComponent(m[2] ?? '') || 'test', options };
}

/** A single connection to the mongod stand-in. */
export class WireClient extends JsonLineClient {
  static connect(host, port, timeoutMs = 2000) {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new MongoNetworkError(`connection timed out`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new MongoNetworkError(err.message)); // e.g. "connect ECONNREFUSED 172.18.0.2:27017"
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new WireClient(socket));
      });
    });
  }

  constructor(socket) {
    super(socket, {
      replyError: (reply) => new MongoServerError(reply),
      closedError: (err) => new MongoNetworkError(err?.message ?? 'connection closed'),
    });
  }

  /** Sends {op, ...args}; resolves with the reply, rejects with MongoServerError when ok is 0. */
  command(op, args = {}) {
    return this.request(op, args);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Server selection as the driver does it: with ?replicaSet=NAME (and no directConnection=true) only a writable
 * primary of that set qualifies; otherwise any reachable server does. Retries until timeoutMs, then throws
 * MongoServerSelectionError; its message names the last network error if there was one, otherwise
 * "Server selection timed out after <reportedTimeoutMs> ms" (the real default is 30000 ms; the stand-ins wait
 * less but print the real number).
 */
export async function selectServer(uri, { timeoutMs, reportedTimeoutMs = timeoutMs, pollMs = 250 } = {}) {
  const { hosts, options } = parseMongoUri(uri);
  const direct = options.directConnection === 'true';
  const wantSet = direct ? undefined : options.replicaSet;
  const deadline = Date.now() + timeoutMs;
  let lastNetworkError = null;
  for (;;) {
    for (const { host, port } of hosts) {
      let client;
      try {
        client = await WireClient.connect(host, port);
        const hello = await client.command('hello');
        if (!wantSet || (hello.setName === wantSet && hello.isWritablePrimary)) return { client, hello };
        lastNetworkError = null;
        client.close();
      } catch (err) {
        client?.close();
        if (err instanceof MongoNetworkError) lastNetworkError = err;
        else throw err;
      }
    }
    if (Date.now() >= deadline) {
      if (direct && lastNetworkError) throw lastNetworkError;
      throw new MongoServerSelectionError(
        lastNetworkError?.message ?? `Server selection timed out after ${reportedTimeoutMs} ms`,
      );
    }
    await sleep(pollMs);
  }
}
