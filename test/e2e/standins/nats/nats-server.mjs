// Stand-in for nats-server (docker.io/nats:2.11-alpine). Client protocol on --port (4222): INFO on connect,
// CONNECT, PING/PONG, SUB/UNSUB/PUB with plain subject matching (`*` and `>` wildcards), +OK when verbose.
// Monitoring over HTTP on --http_port/-m (8222): /healthz -> {"status":"ok"}, /varz, /connz. Other upstream
// flags (cluster, jetstream, config files beyond port/monitor_port) are accepted and ignored.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { exitOnSignals, parseFlags } from '../lib/proc.mjs';

const VERSION = '2.11.9';
const { opts } = parseFlags(process.argv.slice(2), ['js', 'jetstream', 'DV', 'D', 'V', 'debug', 'trace']);
const conf =
  typeof opts.config === 'string' || typeof opts.c === 'string' ? readConfig(opts.config ?? opts.c) : {};
const port = Number(opts.port ?? opts.p ?? conf.port ?? 4222);
const httpPort = Number(opts.http_port ?? opts.m ?? conf.monitor_port ?? conf.http_port ?? 0);
const serverId = crypto.randomBytes(16).toString('hex').toUpperCase();
const startedAt = new Date();

/** Reads `key: value` lines at the top level of a nats-server.conf. */
function readConfig(file) {
  const out = {};
  try {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const m = /^(\w+)\s*[:=]\s*"?([^"\s#]+)"?/.exec(line);
      if (m) out[m[1]] = m[2];
    }
  } catch {}
  return out;
}

const log = (level, msg) =>
  console.log(`[1] ${new Date().toISOString().replace('T', ' ').replace('Z', '')} [${level}] ${msg}`);

const clients = new Set();
let inMsgs = 0;
let outMsgs = 0;

function subjectMatches(pattern, subject) {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

function deliver(subject, replyTo, payload) {
  inMsgs++;
  for (const c of clients) {
    for (const [sid, pattern] of c.subs) {
      if (!subjectMatches(pattern, subject)) continue;
      outMsgs++;
      c.socket.write(`MSG ${subject} ${sid}${replyTo ? ` ${replyTo}` : ''} ${payload.length}\r\n`);
      c.socket.write(Buffer.concat([payload, Buffer.from('\r\n')]));
    }
  }
}

const server = net.createServer((socket) => {
  const client = { socket, subs: new Map(), verbose: false, cid: clients.size + 1 };
  clients.add(client);
  const info = {
    server_id: serverId,
    server_name: serverId,
    version: VERSION,
    proto: 1,
    go: 'go1.24',
    host: '0.0.0.0',
    port,
    headers: true,
    max_payload: 1048576,
    client_id: client.cid,
  };
  socket.write(`INFO ${JSON.stringify(info)}\r\n`);
  let buffer = Buffer.alloc(0);
  const ok = () => client.verbose && socket.write('+OK\r\n');
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const end = buffer.indexOf('\r\n');
      if (end < 0) return;
      const line = buffer.subarray(0, end).toString();
      const [verb, ...args] = line.split(' ').filter(Boolean);
      const op = (verb ?? '').toUpperCase();
      if (op === 'PUB') {
        const size = Number(args.at(-1));
        if (buffer.length < end + 2 + size + 2) return; // wait for the payload
        deliver(args[0], args.length === 3 ? args[1] : null, buffer.subarray(end + 2, end + 2 + size));
        buffer = buffer.subarray(end + 2 + size + 2);
        ok();
        continue;
      }
      buffer = buffer.subarray(end + 2);
      if (op === 'CONNECT') {
        client.verbose = Boolean(JSON.parse(args.join(' ') || '{}').verbose);
        ok();
      } else if (op === 'PING') socket.write('PONG\r\n');
      else if (op === 'PONG') {
      } else if (op === 'SUB') {
        client.subs.set(args.at(-1), args[0]);
        ok();
      } else if (op === 'UNSUB') {
        client.subs.delete(args[0]);
        ok();
      } else if (op) socket.write(`-ERR 'Unknown Protocol Operation'\r\n`);
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => clients.delete(client));
});

server.listen(port, '0.0.0.0', () => {
  log('INF', `Starting nats-server`);
  log('INF', `  Version:  ${VERSION}`);
  log('INF', `  Name:     ${serverId}`);
  log('INF', `Listening for client connections on 0.0.0.0:${port}`);
  log('INF', 'Server is ready');
});

if (httpPort) {
  http
    .createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const body = {
        '/healthz': () => ({ status: 'ok' }),
        '/varz': () => ({
          server_id: serverId,
          version: VERSION,
          host: os.hostname(),
          port,
          http_port: httpPort,
          start: startedAt.toISOString(),
          connections: clients.size,
          in_msgs: inMsgs,
          out_msgs: outMsgs,
          subscriptions: [...clients].reduce((n, c) => n + c.subs.size, 0),
        }),
        '/connz': () => ({
          server_id: serverId,
          num_connections: clients.size,
          connections: [...clients].map((c) => ({ cid: c.cid, subscriptions: c.subs.size })),
        }),
      }[path];
      res.writeHead(body ? 200 : 404, { 'Content-Type': 'application/json' });
      res.end(body ? JSON.stringify(body()) : '{"error":"not found"}');
    })
    .listen(httpPort, '0.0.0.0', () => log('INF', `Starting http monitor on 0.0.0.0:${httpPort}`));
}

exitOnSignals(() => log('INF', 'Server Exiting..'));
