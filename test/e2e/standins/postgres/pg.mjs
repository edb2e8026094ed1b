// The stand-ins' own PostgreSQL "wire protocol": one JSON object per line, over TCP (5432) or the Unix socket
// /var/run/postgresql/.s.PGSQL.5432, like lib/wire.mjs for MongoDB.
//   request:  {"id":1,"op":"startup","user":"mmuser","password":"...","database":"mattermost"}
//   response: {"id":1,"ok":1,...}  or  {"id":1,"ok":0,"severity":"FATAL","code":"28P01","message":"..."}
// Used by the postgres stand-in (server), pg_isready, psql and the Mattermost stand-in (clients; PgClient is
// lib/jsonline.mjs's client). Error texts copy
// PostgreSQL's (SQLSTATE codes included); the Go driver's "pq: " prefix is added by the Mattermost stand-in.
import net from 'node:net';
import { JsonLineClient } from '../lib/jsonline.mjs';

export const SOCKET_DIR = '/var/run/postgresql';
export const socketPath = (dir = SOCKET_DIR, port = 5432) => `${dir}/.s.PGSQL.${port}`;

export class PgError extends Error {
  constructor(reply) {
    super(reply.message ?? 'unknown error');
    this.severity = reply.severity ?? 'ERROR';
    this.code = reply.code;
  }
}

/** A connection-level failure, worded like libpq and Go's net package ("connect: connection refused"). */
export class PgConnectError extends Error {}

/** Parses postgres://user:password@host:port/db?opts (the DSN form Mattermost's SqlSettings.DataSource uses). */
export function parseDsn(dsn) {
  const url = new URL(dsn);
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new Error(`unsupported DSN scheme ${url.protocol}`);
  return {
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    host: url.hostname || 'localhost',
    port: Number(url.port || 5432),
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || decodeURIComponent(url.username),
    options: Object.fromEntries(url.searchParams),
  };
}

export class PgClient extends JsonLineClient {
  /** Connects to {host, port} or {path}; rejects with PgConnectError on a network failure. */
  static connect(target, timeoutMs = 3000) {
    return new Promise((resolve, reject) => {
      const socket = target.path
        ? net.connect({ path: target.path })
        : net.connect({ host: target.host, port: target.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new PgConnectError('i/o timeout'));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        const what =
          err.code === 'ECONNREFUSED'
            ? 'connection refused'
            : err.code === 'ENOENT'
              ? 'no such file or directory'
              : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
                ? 'no such host'
                : err.message;
        const where = target.path ?? `${err.address ?? target.host}:${err.port ?? target.port}`;
        reject(new PgConnectError(`dial ${target.path ? 'unix' : 'tcp'} ${where}: connect: ${what}`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new PgClient(socket));
      });
    });
  }

  constructor(socket) {
    super(socket, {
      replyError: (reply) => new PgError(reply),
      closedError: () => new PgConnectError('server closed the connection unexpectedly'),
    });
  }
}
