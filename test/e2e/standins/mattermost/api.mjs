// Mattermost's REST API, as much as the wizard and its tests use. The same handler serves the TCP port (8065) and
// the local-mode Unix socket, where every request acts as a system admin without a session (as the real local
// mode does). Every answer carries X-Version-Id ("version.build.confighash.licensed") and X-Request-Id; errors
// have the real shape {id, message, detailed_error, request_id, status_code}.
import crypto from 'node:crypto';
import { AppError, checkPassword, newId, publicUser } from './users.mjs';

async function readJson(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function createHandler({ users, version, buildNumber, config, local }) {
  const sessions = new Map(); // token -> user id (the real server keeps them in the database)
  const configHash = crypto.createHash('md5').update(JSON.stringify(config.ServiceSettings)).digest('hex');

  const currentUser = async (req) => {
    if (local) return { id: 'local', roles: 'system_admin system_user' };
    const auth = String(req.headers.authorization ?? '');
    const token = /^bearer\s+(.+)$/i.exec(auth)?.[1] ?? String(req.headers.token ?? '');
    const cookie = /(?:^|;\s*)MMAUTHTOKEN=([^;]+)/.exec(String(req.headers.cookie ?? ''))?.[1];
    const id = sessions.get(token) ?? sessions.get(cookie);
    return id ? users.byId(id) : null;
  };
  const requireUser = async (req) => {
    const u = await currentUser(req);
    if (!u)
      throw new AppError(
        401,
        'api.context.session_expired.app_error',
        'Invalid or expired session, please login again.',
      );
    return u;
  };
  const requireAdmin = async (req) => {
    const u = await requireUser(req);
    if (!u.roles.split(' ').includes('system_admin'))
      throw new AppError(
        403,
        'api.context.permissions.app_error',
        'You do not have the appropriate permissions.',
      );
    return u;
  };
  const found = (u) => {
    if (!u) throw new AppError(404, 'app.user.missing_account.const', 'Unable to find the user.');
    return publicUser(u);
  };

  const routes = [
    [
      'GET',
      /^\/api\/v4\/system\/ping$/,
      () => [
        200,
        {
          ActiveSearchBackend: 'database',
          AndroidLatestVersion: '',
          AndroidMinVersion: '',
          IosLatestVersion: '',
          IosMinVersion: '',
          status: 'OK',
        },
      ],
    ],
    [
      'GET',
      /^\/api\/v4\/config\/client$/,
      () => [
        200,
        {
          Version: version,
          BuildNumber: buildNumber,
          BuildEnterpriseReady: String(config.standinEdition === 'enterprise'),
          SiteURL: config.ServiceSettings.SiteURL,
          SiteName: 'Mattermost',
          EnableSignUpWithEmail: 'true',
          EnableOpenServer: String(config.TeamSettings.EnableOpenServer),
          DiagnosticId: config.standinDiagnosticId,
        },
      ],
    ],
    [
      'POST',
      /^\/api\/v4\/users\/login$/,
      async (req, _m, res) => {
        const body = await readJson(req);
        const loginId = String(body?.login_id ?? '').toLowerCase();
        const user = (await users.byUsername(loginId)) ?? (await users.byEmail(loginId));
        if (!user || !checkPassword(body?.password ?? '', user.password)) {
          throw new AppError(
            401,
            'api.user.login.invalid_credentials_email_username',
            'Enter a valid email or username and/or password.',
          );
        }
        if (user.deleteat > 0)
          throw new AppError(
            401,
            'api.user.login.inactive.app_error',
            'Login failed because your account has been deactivated. Please contact an administrator.',
          );
        const token = newId();
        sessions.set(token, user.id);
        res.setHeader('Token', token);
        res.setHeader('Set-Cookie', `MMAUTHTOKEN=${token}; Path=/; HttpOnly; SameSite=Lax`);
        return [200, publicUser(user)];
      },
    ],
    ['GET', /^\/api\/v4\/users\/me$/, async (req) => [200, publicUser(await requireUser(req))]],
    [
      'POST',
      /^\/api\/v4\/users$/,
      async (req) => {
        const body = await readJson(req);
        if (!body)
          throw new AppError(
            400,
            'api.context.invalid_body_param.app_error',
            'Invalid or missing user in request body.',
          );
        // Sign-up over the web: the very first user always may (and becomes admin); later ones need an open server.
        const anyone =
          (await users.list({ perPage: 1 })).length === 0 || config.TeamSettings.EnableOpenServer;
        if (!local && !anyone) await requireAdmin(req);
        // As the real server's User.SanitizeInput: only an admin (or local mode) may create a verified account.
        const admin = local || (await currentUser(req))?.roles?.split(' ').includes('system_admin');
        if (!admin) body.email_verified = false;
        return [201, publicUser(await users.create(body))];
      },
    ],
    [
      'GET',
      /^\/api\/v4\/users$/,
      async (req, _m, _res, url) => {
        await requireUser(req);
        const list = await users.list({
          page: Number(url.searchParams.get('page') ?? 0),
          perPage: Number(url.searchParams.get('per_page') ?? 60),
        });
        return [200, list.map(publicUser)];
      },
    ],
    [
      'GET',
      /^\/api\/v4\/users\/username\/([^/]+)$/,
      async (req, m) => {
        await requireUser(req);
        return [200, found(await users.byUsername(decodeURIComponent(m[1])))];
      },
    ],
    [
      'GET',
      /^\/api\/v4\/users\/email\/([^/]+)$/,
      async (req, m) => {
        await requireUser(req);
        return [200, found(await users.byEmail(decodeURIComponent(m[1])))];
      },
    ],
    [
      'GET',
      /^\/api\/v4\/users\/([a-z0-9]{26})$/,
      async (req, m) => {
        await requireUser(req);
        return [200, found(await users.byId(m[1]))];
      },
    ],
    [
      'PUT',
      /^\/api\/v4\/users\/([a-z0-9]{26})\/roles$/,
      async (req, m) => {
        await requireAdmin(req);
        const body = await readJson(req);
        await users.setRoles(m[1], body?.roles ?? '');
        return [200, { status: 'OK' }];
      },
    ],
    [
      'PUT',
      /^\/api\/v4\/users\/([a-z0-9]{26})\/email\/verify\/member$/,
      async (req, m) => {
        await requireAdmin(req);
        await users.verifyEmail(m[1]);
        return [200, found(await users.byId(m[1]))];
      },
    ],
    [
      'GET',
      /^\/$/,
      () => [
        200,
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Mattermost</title></head><body><div id="root"></div></body></html>',
        'text/html',
      ],
    ],
  ];

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const requestId = newId();
    res.setHeader('X-Request-Id', requestId);
    res.setHeader('X-Version-Id', `${version}.${buildNumber}.${configHash}.false`);
    const send = (status, body, type = 'application/json') => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    try {
      for (const [method, pattern, handler] of routes) {
        const m = pattern.exec(url.pathname);
        if (!m || method !== req.method) continue;
        const [status, body, type] = await handler(req, m, res, url);
        return send(status, body, type);
      }
      throw new AppError(
        404,
        'api.context.404.app_error',
        'Sorry, we could not find the page.',
        `There doesn't appear to be an api call for the url='${url.pathname}'.`,
      );
    } catch (thrown) {
      let err = thrown;
      if (!(err instanceof AppError)) {
        console.error(
          JSON.stringify({ level: 'error', msg: 'Unexpected error', error: String(err?.stack ?? err) }),
        );
        err = new AppError(500, 'api.context.unexpected', String(err?.message ?? err));
      }
      send(err.status, {
        id: err.id,
        message: err.message,
        detailed_error: err.detailed ?? '',
        request_id: requestId,
        status_code: err.status,
      });
    }
  };
}
