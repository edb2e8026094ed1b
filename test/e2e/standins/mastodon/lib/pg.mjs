// The Mastodon stand-in's client of the PostgreSQL stand-in (../../postgres/pg.mjs has the protocol: one JSON
// object per line over TCP, not PostgreSQL's wire protocol).
//   {"id":1,"op":"startup","user":"mastodon","database":"mastodon_production","password":"..."}  -> {"id":1,"ok":1}
//   {"id":2,"op":"select","table":"accounts","where":{"username":"owner"}}                      -> {"id":2,"ok":1,"rows":[...]}
//   errors: {"id":3,"ok":0,"severity":"FATAL","code":"28P01","message":"password authentication failed for user \"x\""}
// The client side throws PgError with libpq's messages, e.g. `connection to server at "db" (172.18.0.2), port 5432
// failed: Connection refused`, so the stand-ins' failures read like the real ones.
import dns from 'node:dns/promises';
import net from 'node:net';
import { JsonLineClient } from '../../lib/jsonline.mjs';

export class PgError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

/** The one line-JSON client (lib/jsonline.mjs), its errors worded like libpq's. */
export class PgClient extends JsonLineClient {
  constructor(socket) {
    super(socket, {
      replyError: (reply) => new PgError(`${reply.severity ?? 'ERROR'}:  ${reply.message}`, reply.code),
      closedError: (err) => new PgError(err?.message ?? 'server closed the connection unexpectedly'),
    });
  }

  call(op, args = {}) {
    return this.request(op, args);
  }
}

/** Opens a TCP connection; rejects with libpq's wording when the name does not resolve or nobody listens. */
export async function connectRaw(host, port, timeoutMs = 5000) {
  let address = host;
  if (net.isIP(host) === 0) {
    try {
      ({ address } = await dns.lookup(host));
    } catch {
      throw new PgError(
        `could not translate host name "${host}" to address: Name or service not known`,
        '08001',
      );
    }
  }
  const where = `connection to server at "${host}" (${address}), port ${port} failed`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new PgError(`${where}: timeout expired`, '08001'));
    }, timeoutMs);
    socket.once('error', (e) => {
      clearTimeout(timer);
      const why =
        e.code === 'ECONNREFUSED'
          ? 'Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?'
          : e.message;
      reject(new PgError(`${where}: ${why}`, '08001'));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve({ client: new PgClient(socket), where });
    });
  });
}

/** Connects and authenticates like libpq: errors say where, then the server's FATAL line. */
export async function connect({ host = '127.0.0.1', port = 5432, user, password, database }) {
  const { client, where } = await connectRaw(host, Number(port));
  try {
    await client.call('startup', { user, database: database || user, password });
  } catch (e) {
    client.close();
    throw new PgError(`${where}: ${e.message}`, e.code);
  }
  return client;
}

/** The database settings of a Mastodon process, from its environment as Mastodon reads them. */
export function mastodonDb(env = process.env) {
  return {
    host: env.DB_HOST || '/var/run/postgresql',
    port: Number(env.DB_PORT || 5432),
    user: env.DB_USER || 'mastodon',
    password: env.DB_PASS || '',
    database: env.DB_NAME || 'mastodon_production',
  };
}
