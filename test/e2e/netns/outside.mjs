// Stand-ins that run in the "public" namespace: an echo service (GET / -> the caller's address) and the
// outside probe (POST {url, timeoutMs} -> {ok, status, body} | {ok:false, error}), resolving through our DNS server.
import { promises as dns } from 'node:dns';
import http from 'node:http';

const [, , host, echoPort, probePort, resolverAddr] = process.argv;
http
  .createServer((req, res) => res.end((req.socket.remoteAddress ?? '').replace(/^::ffff:/, '')))
  .listen(Number(echoPort), host);

const kind = (code) =>
  code === 'ETIMEDOUT'
    ? 'timeout'
    : code === 'ECONNREFUSED' || code === 'ECONNRESET'
      ? 'refused'
      : code === 'EHOSTUNREACH' || code === 'ENETUNREACH'
        ? 'unreachable'
        : 'other';
http
  .createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const send = (o) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(o));
      const { url, timeoutMs = 4000 } = JSON.parse(body || '{}');
      const u = new URL(url);
      const r = new dns.Resolver({ timeout: 2000, tries: 1 });
      r.setServers([resolverAddr]);
      const addrs = await r.resolve4(u.hostname).catch(() => []);
      if (!addrs.length) return send({ ok: false, error: 'dns' });
      let done = false;
      const finish = (o) => {
        if (!done) {
          done = true;
          send(o);
        }
      };
      const out = http.request(
        {
          host: addrs[0],
          port: Number(u.port || 80),
          path: u.pathname,
          headers: { host: u.hostname },
          agent: false,
        },
        (r2) => {
          let b = '';
          r2.on('data', (c) => (b += c));
          r2.on('end', () => finish({ ok: true, status: r2.statusCode, body: b }));
        },
      );
      setTimeout(() => {
        out.destroy();
        finish({ ok: false, error: 'timeout' });
      }, timeoutMs).unref();
      out.on('error', (e) => finish({ ok: false, error: kind(e.code), detail: e.code }));
      out.end();
    });
  })
  .listen(Number(probePort), host, () => console.log('ready'));
