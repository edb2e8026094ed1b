// Stand-in for Mastodon's web process (`bundle exec puma -C config/puma.rb`): boots like the application (see
// boot.mjs), then serves on BIND:PORT (0.0.0.0:3000) what the wizard and its tests ask, with Rails's production
// behaviour in front: a Host other than LOCAL_DOMAIN / WEB_DOMAIN / ALTERNATE_DOMAINS gets 403 "Blocked hosts",
// plain http without X-Forwarded-Proto: https gets a 301 to https (force_ssl); /health is exempt from both.
//   GET /health                      "OK"
//   GET /api/v1/instance, /api/v2/instance   the instance, with `version` (needs the database set up: 500 before)
//   GET /api/v1/accounts/lookup?acct=NAME     a local account, or 404 {"error":"Record not found"}
//   POST /api/v1/apps, POST /oauth/token (grant_type password: a user's email and password, as Doorkeeper's
//   resource_owner_from_credentials), GET /api/v1/accounts/verify_credentials, POST /oauth/revoke: the login a
//   restore proves; apps and tokens live in this process (the real ones in the database).
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { exitOnSignals } from '../../lib/proc.mjs';
import { boot, database, VERSION } from './boot.mjs';

const app = boot();
const env = process.env;
const PORT = Number(env.PORT || 3000);
const BIND = env.BIND || '127.0.0.1';
const allowed = [app.localDomain, app.webDomain, ...(env.ALTERNATE_DOMAINS ?? '').split(/\s*,\s*/)]
  .filter(Boolean)
  .map((h) => h.toLowerCase());

let db = null;
async function query(op, args) {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      db ??= await database();
      return await db.call(op, args);
    } catch (e) {
      if (!/server closed|ECONN|EPIPE/.test(e.message) || attempt === 1) throw e;
      db = null;
    }
  }
}

function send(res, status, body, type = 'application/json; charset=utf-8', headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(text),
    Server: 'Mastodon',
    ...headers,
  });
  res.end(text);
}

async function instance(v2) {
  const settings = Object.fromEntries(
    (await query('select', { table: 'settings' })).rows.map((r) => [r.var, r.value]),
  );
  const users = (await query('select', { table: 'users' })).rows.length;
  const title = settings.site_title || 'Mastodon';
  return v2
    ? {
        domain: app.localDomain,
        title,
        version: VERSION,
        source_url: 'https://github.com/mastodon/mastodon',
        usage: { users: { active_month: users } },
        registrations: { enabled: false, approval_required: false },
      }
    : {
        uri: app.localDomain,
        title,
        short_description: '',
        description: '',
        email: settings.site_contact_email ?? '',
        version: VERSION,
        urls: { streaming_api: `wss://${app.webDomain}` },
        stats: { user_count: users, status_count: 0, domain_count: 0 },
        registrations: false,
        approval_required: false,
      };
}

const apps = new Map();
const tokens = new Map();
const readBody = (req) =>
  new Promise((resolve) => {
    let text = '';
    req.on('data', (c) => {
      text += c.toString();
    });
    req.on('end', () => {
      try {
        resolve(
          (req.headers['content-type'] ?? '').includes('json')
            ? JSON.parse(text || '{}')
            : Object.fromEntries(new URLSearchParams(text)),
        );
      } catch {
        resolve({});
      }
    });
  });

async function oauth(req, res, url) {
  if (req.method === 'POST' && url.pathname === '/api/v1/apps') {
    const body = await readBody(req);
    const app = {
      client_id: randomBytes(16).toString('hex'),
      client_secret: randomBytes(16).toString('hex'),
      name: body.client_name,
    };
    apps.set(app.client_id, app);
    return send(res, 200, {
      id: String(apps.size),
      name: app.name,
      ...app,
      redirect_uri: body.redirect_uris,
    });
  }
  if (req.method === 'POST' && url.pathname === '/oauth/token') {
    const body = await readBody(req);
    const app = apps.get(body.client_id);
    if (!app || app.client_secret !== body.client_secret)
      return send(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed' });
    if (body.grant_type !== 'password') return send(res, 400, { error: 'unsupported_grant_type' });
    const user = (await query('select', { table: 'users' })).rows.find(
      (u) => u.email.toLowerCase() === String(body.username ?? '').toLowerCase(),
    );
    const hash = `sha256:${createHash('sha256')
      .update(String(body.password ?? ''))
      .digest('hex')}`;
    if (!user || user.encrypted_password !== hash || !user.confirmed_at)
      return send(res, 400, {
        error: 'invalid_grant',
        error_description: 'The provided authorization grant is invalid',
      });
    const token = randomBytes(24).toString('hex');
    tokens.set(token, user.account_id);
    return send(res, 200, {
      access_token: token,
      token_type: 'Bearer',
      scope: body.scope ?? 'read',
      created_at: 0,
    });
  }
  if (req.method === 'POST' && url.pathname === '/oauth/revoke') {
    tokens.delete((await readBody(req)).token);
    return send(res, 200, {});
  }
  if (url.pathname === '/api/v1/accounts/verify_credentials') {
    const id = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    const account = id && (await query('select', { table: 'accounts' })).rows.find((a) => a.id === id);
    return account
      ? send(res, 200, { id: String(account.id), username: account.username, acct: account.username })
      : send(res, 401, { error: 'The access token is invalid' });
  }
  return undefined;
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const started = Date.now();
  res.on('finish', () =>
    console.log(
      `method=${req.method} path=${url.pathname} format=json status=${res.statusCode} duration=${Date.now() - started}.00`,
    ),
  );
  if (url.pathname === '/health') return send(res, 200, 'OK', 'text/plain; charset=utf-8');
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  if (!allowed.includes(host))
    return send(
      res,
      403,
      `<!DOCTYPE html><html><body><h1>Blocked hosts: ${host}</h1></body></html>`,
      'text/html; charset=utf-8',
    );
  if (req.headers['x-forwarded-proto'] !== 'https')
    return send(res, 301, '', 'text/html', { Location: `https://${req.headers.host}${req.url}` });
  try {
    if (/^\/(oauth\/|api\/v1\/apps$|api\/v1\/accounts\/verify_credentials$)/.test(url.pathname)) {
      const done = await oauth(req, res, url);
      if (done !== undefined || res.writableEnded) return;
    }
    if (url.pathname === '/api/v1/instance' || url.pathname === '/api/v2/instance')
      return send(res, 200, await instance(url.pathname.includes('v2')));
    if (url.pathname === '/api/v1/accounts/lookup') {
      const name = (url.searchParams.get('acct') ?? '')
        .replace(/^@/, '')
        .replace(new RegExp(`@${app.localDomain}$`), '');
      const account = (await query('select', { table: 'accounts' })).rows.find(
        (a) => a.domain === null && a.username.toLowerCase() === name.toLowerCase(),
      );
      return account
        ? send(res, 200, {
            id: String(account.id),
            username: account.username,
            acct: account.username,
            url: `https://${app.webDomain}/@${account.username}`,
          })
        : send(res, 404, { error: 'Record not found' });
    }
    return url.pathname.startsWith('/api/')
      ? send(res, 404, { error: 'Record not found' })
      : send(res, 404, "The page you are looking for isn't here.", 'text/html; charset=utf-8');
  } catch (e) {
    console.error(`ActiveRecord::StatementInvalid (PG::UndefinedTable: ${e.message})`);
    return send(res, 500, { error: "We're sorry, but something went wrong on our end." });
  }
});

exitOnSignals(() => {
  console.log('- Gracefully stopping, waiting for requests to finish');
  server.close();
});
console.log('Puma starting in single mode...');
console.log(
  `* Puma version: 6.6.0 ("Return to Forever")\n*  Min threads: 5\n*  Max threads: 5\n*  Environment: production\n* Mastodon: ${VERSION} (wizard stand-in)`,
);
server.listen(PORT, BIND, () => console.log(`* Listening on http://${BIND}:${PORT}\nUse Ctrl-C to stop`));
