// Stand-in for Mastodon's streaming server (ghcr.io/mastodon/mastodon-streaming, `node ./streaming/index.js`):
// listens on BIND:PORT (the image sets 0.0.0.0:4000) at once, answers GET /api/v1/streaming/health with "OK", and
// every other /api/v1/streaming request with 401 {"error":"Missing access token"}; it connects to Redis in the
// background, logging the errors the real one logs until Redis answers.
import http from 'node:http';
import { exitOnSignals } from '../../lib/proc.mjs';
import { waitForRedis } from './redis-wait.mjs';

const env = process.env;
const PORT = Number(env.PORT || 4000);
const BIND = env.BIND || '127.0.0.1';
const log = (level, msg) =>
  console.log(JSON.stringify({ level, time: Date.now(), pid: process.pid, name: 'streaming', msg }));

const server = http.createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const [status, body, type] =
    path === '/api/v1/streaming/health'
      ? [200, 'OK', 'text/plain']
      : path.startsWith('/api/v1/streaming')
        ? [401, JSON.stringify({ error: 'Missing access token' }), 'application/json']
        : [404, JSON.stringify({ error: 'Not found' }), 'application/json'];
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
});
exitOnSignals(() => server.close());
server.listen(PORT, BIND, () => log(30, `Streaming API now listening on ${BIND}:${PORT}`));
waitForRedis((_host, _port, e) => log(50, `Redis Client Error: ${e.message}`)).then(() =>
  log(30, 'Connected to Redis'),
);
