// Rocket.Chat's HTTP surface, as much as the wizard uses: /api/info, /api/v1/login, /api/v1/me,
// /api/v1/settings.public, health endpoints and a tiny HTML page at /. Anything else: 404 JSON.
import http from 'node:http';
import { authenticate, login, publicUser } from './accounts.mjs';

function send(res, status, body, type = 'application/json') {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return null;
  }
}

const unauthorized = { status: 'error', error: 'Unauthorized', message: 'Unauthorized' };

export function createApp({ db, version, siteUrl }) {
  const routes = {
    'GET /api/info': () => [200, { version, success: true }],
    'GET /health': () => [200, 'ok', 'text/plain'],
    'GET /livez': () => [200, 'ok', 'text/plain'],
    'GET /readyz': () => [200, 'ok', 'text/plain'],
    'GET /': () => [
      200,
      `<!DOCTYPE html><html><head><title>Rocket.Chat</title><base href="${siteUrl}/"></head><body></body></html>`,
      'text/html; charset=utf-8',
    ],
    async 'POST /api/v1/login'(req) {
      const body = await readJson(req);
      if (!body) return [400, { success: false, error: 'Invalid JSON body' }];
      const result = await login(db, body);
      return result ? [200, { status: 'success', data: result }] : [401, unauthorized];
    },
    async 'GET /api/v1/me'(req) {
      const user = await authenticate(db, req.headers['x-user-id'], req.headers['x-auth-token']);
      return user
        ? [200, { ...publicUser(user), success: true }]
        : [401, { status: 'error', message: 'You must be logged in to do this.' }];
    },
    async 'GET /api/v1/settings.public'(_req, url) {
      const ids = url.searchParams.get('_id')?.split(',');
      const all = await db.find('rocketchat_settings', { public: true });
      const settings = all
        .filter((s) => !ids || ids.includes(s._id))
        .map(({ _id, value }) => ({ _id, value }));
      return [200, { settings, count: settings.length, offset: 0, total: settings.length, success: true }];
    },
  };

  return http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = routes[`${req.method} ${url.pathname.replace(/(.)\/$/, '$1')}`];
    try {
      if (!route)
        return send(res, 404, { success: false, error: `Not found: ${req.method} ${url.pathname}` });
      const [status, body, type] = await route(req, url);
      send(res, status, body, type);
    } catch (err) {
      console.error(`Exception while invoking ${req.method} ${url.pathname}:`, err);
      send(res, 500, { success: false, error: err.message });
    }
  });
}

/** Prometheus metrics, served when OVERWRITE_SETTING_Prometheus_Enabled is true (upstream's compose sets it). */
export function createMetricsServer({ db, version }) {
  return http.createServer(async (req, res) => {
    if (req.url !== '/metrics') return send(res, 404, 'Not Found', 'text/plain');
    let users = 0;
    try {
      users = await db.count('users', { type: 'user' });
    } catch {}
    send(
      res,
      200,
      `# TYPE rocketchat_info gauge\nrocketchat_info{version="${version}"} 1\n# TYPE rocketchat_users_total gauge\nrocketchat_users_total ${users}\n`,
      'text/plain; version=0.0.4',
    );
  });
}
