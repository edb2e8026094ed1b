// Stand-in for redis:7-alpine's redis-server (see ../../README.md). Like the real image: started as root it makes
// /data owned by redis (uid 999, gid 1000) and runs as redis; it answers RESP on 6379 (PING, ECHO, GET, SET, DEL,
// EXISTS, INCR, DBSIZE, INFO, SELECT, CLIENT, FLUSHALL, SAVE, QUIT; others get redis's "unknown command" error)
// and keeps its keys in /data/dump.rdb (the stand-in's own JSON, not RDB) across restarts.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { exitOnSignals } from '../../lib/proc.mjs';
import { parseCommands, reply } from '../lib/resp.mjs';

const DATA = '/data';
const DUMP = path.join(DATA, 'dump.rdb');
const VERSION = process.env.REDIS_VERSION || '7.4.2';
const log = (msg) => console.log(`1:M ${new Date().toUTCString().slice(5, 25)}.000 * ${msg}`);

if (process.getuid() === 0) {
  fs.mkdirSync(DATA, { recursive: true });
  for (const p of [DATA, ...fs.readdirSync(DATA).map((n) => path.join(DATA, n))]) {
    const st = fs.lstatSync(p);
    if (st.uid !== 999) fs.lchownSync(p, 999, 1000);
  }
  process.setgroups([1000]);
  process.setgid(1000);
  process.setuid(999);
}

log('oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo');
log(`Redis version=${VERSION}, bits=64, commit=00000000, modified=0, pid=1, just started (wizard stand-in)`);
const store = new Map(fs.existsSync(DUMP) ? Object.entries(JSON.parse(fs.readFileSync(DUMP, 'utf8'))) : []);
if (store.size > 0) log(`DB loaded from disk: ${store.size} keys`);

function save() {
  try {
    fs.writeFileSync(`${DUMP}.tmp`, JSON.stringify(Object.fromEntries(store)));
    fs.renameSync(`${DUMP}.tmp`, DUMP);
    log('DB saved on disk');
    return true;
  } catch (e) {
    console.log(
      `1:M # Failed opening the temp RDB file temp-1.rdb (in server root dir /data) for saving: ${e.message}`,
    );
    return false;
  }
}

function run([name = '', ...args]) {
  switch (name.toUpperCase()) {
    case 'PING':
      return args.length ? reply.bulk(args[0]) : reply.simple('PONG');
    case 'ECHO':
      return reply.bulk(args[0]);
    case 'SET':
      store.set(args[0], args[1]);
      return reply.simple('OK');
    case 'GET':
      return reply.bulk(store.get(args[0]) ?? null);
    case 'DEL':
      return reply.integer(args.filter((k) => store.delete(k)).length);
    case 'EXISTS':
      return reply.integer(args.filter((k) => store.has(k)).length);
    case 'INCR': {
      const n = Number(store.get(args[0]) ?? 0) + 1;
      store.set(args[0], String(n));
      return reply.integer(n);
    }
    case 'DBSIZE':
      return reply.integer(store.size);
    case 'INFO':
      return reply.bulk(`# Server\r\nredis_version:${VERSION}\r\nredis_mode:standalone\r\n`);
    case 'SELECT':
    case 'CLIENT':
      return reply.simple('OK');
    case 'FLUSHALL':
    case 'FLUSHDB':
      store.clear();
      return reply.simple('OK');
    case 'SAVE':
      return save() ? reply.simple('OK') : reply.error('ERR');
    case 'QUIT':
      return null;
    case 'AUTH':
      return reply.error(
        'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      );
    default:
      return reply.error(
        `ERR unknown command '${name}', with args beginning with: ${args.map((a) => `'${a}' `).join('')}`,
      );
  }
}

const server = net.createServer((socket) => {
  let buffer = '';
  socket.on('error', () => {});
  socket.on('data', (chunk) => {
    const parsed = parseCommands(buffer + chunk.toString());
    buffer = parsed.rest;
    for (const cmd of parsed.commands) {
      const out = run(cmd);
      if (out === null) {
        socket.end(reply.simple('OK'));
        return;
      }
      socket.write(out);
    }
  });
});

exitOnSignals(() => {
  log('User requested shutdown...');
  save();
  log('Redis is now ready to exit, bye bye...');
  server.close();
});
server.listen(6379, '0.0.0.0', () => log('Ready to accept connections tcp'));
