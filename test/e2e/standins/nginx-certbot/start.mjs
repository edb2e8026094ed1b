// Stand-in for jonasal/nginx-certbot's start script (PID 1): links /etc/nginx/user_conf.d/* into conf.d, disables
// a site whose certificate files are missing (renamed *.nokey) until they exist, starts nginx, then loops:
// dhparams, certificates (certbot, or the local CA with USE_LOCAL_CA=1), re-enable sites, `nginx -s reload`,
// sleep RENEWAL_INTERVAL. SIGHUP ends the sleep (reload + request now); SIGTERM stops nginx and exits.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  statSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureCa, issue, openssl } from './ca.mjs';

const CONF_D = '/etc/nginx/conf.d';
const USER_CONF_D = '/etc/nginx/user_conf.d';
const env = process.env;

const info = (m) => process.stdout.write(`${m}\n`);
// The real image colours warnings and errors with tput (bold yellow on stdout, bold red on stderr).
const warning = (m) => process.stdout.write(`\u001B[1m\u001B[33m${m}\u001B(B\u001B[m\n`);
const error = (m) => process.stderr.write(`\u001B[1m\u001B[31m${m}\u001B(B\u001B[m\n`);

const confFiles = () =>
  readdirSync(CONF_D)
    .filter((f) => /\.conf/.test(f))
    .sort()
    .map((f) => join(CONF_D, f));
const directive = (file, name) => {
  const out = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = new RegExp(`^\\s*${name}\\s+(.*);`).exec(line);
    if (m) for (const v of m[1].trim().split(/\s+/)) if (!out.includes(v)) out.push(v);
  }
  return out;
};

function symlinkUserConfigs() {
  for (const f of readdirSync(CONF_D)) {
    const p = join(CONF_D, f);
    if (lstatSync(p).isSymbolicLink() && readlinkSync(p).startsWith(`${USER_CONF_D}/`) && !existsSync(p)) {
      info(`Removing broken symlink '${p}' to '${readlinkSync(p)}'`);
      unlinkSync(p);
    }
  }
  for (const f of readdirSync(USER_CONF_D)) {
    const source = join(USER_CONF_D, f);
    if (!statSync(source).isFile()) continue;
    const linked = readdirSync(CONF_D).some((c) => {
      const p = join(CONF_D, c);
      return lstatSync(p).isSymbolicLink() && readlinkSync(p) === source;
    });
    if (linked) continue;
    const link = join(CONF_D, f);
    info(`Creating symlink '${link}' to '${source}'`);
    symlinkSync(source, link);
  }
}

function allFilesExist(conf) {
  let ok = true;
  for (const [type, name] of [
    ['keyfile', 'ssl_certificate_key'],
    ['fullchain', 'ssl_certificate'],
    ['chain', 'ssl_trusted_certificate'],
    ['dhparam', 'ssl_dhparam'],
  ]) {
    for (const path of directive(conf, name)) {
      if (path.startsWith('data:') || path.startsWith('engine:')) continue;
      if (!existsSync(path)) {
        warning(`Could not find ${type} file '${path}' in '${conf}'`);
        ok = false;
      }
    }
  }
  return ok;
}

function autoEnableConfigs() {
  for (const conf of confFiles()) {
    if (allFilesExist(conf)) {
      if (conf.endsWith('.nokey')) {
        info(`Found all the necessary files for '${conf}', enabling...`);
        renameSync(conf, conf.slice(0, -'.nokey'.length));
      }
    } else if (conf.endsWith('.conf')) {
      error(`Important file(s) for '${conf}' are missing, disabling...`);
      renameSync(conf, `${conf}.nokey`);
    }
  }
}

function createDhparams() {
  for (const conf of confFiles()) {
    for (const path of directive(conf, 'ssl_dhparam')) {
      if (existsSync(path)) continue;
      info(`Couldn't find the dhparam file '${path}'; creating a new one`);
      mkdirSync(dirname(path), { recursive: true });
      // -dsaparam: the same kind of file in a second instead of minutes (the real image runs plain `openssl dhparam`).
      spawnSync('openssl', ['dhparam', '-dsaparam', '-out', path, env.DHPARAM_SIZE || '2048'], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    }
  }
}

/** cert name (from ssl_certificate_key /etc/letsencrypt/live/NAME/privkey.pem) -> its file's server_names */
function certificates() {
  const out = new Map();
  for (const conf of confFiles()) {
    const names = directive(conf, 'server_name');
    for (const key of directive(conf, 'ssl_certificate_key')) {
      const m = /^\/etc\/letsencrypt\/live\/(.+)\/privkey\.pem$/.exec(key);
      if (m) out.set(m[1], [...new Set([...(out.get(m[1]) ?? []), ...names])]);
    }
  }
  return out;
}

function runCertbot() {
  info('Starting certificate renewal process');
  if (!env.CERTBOT_EMAIL) {
    error('CERTBOT_EMAIL environment variable undefined; certbot will do nothing!');
    return;
  }
  const server =
    env.STAGING === '1'
      ? 'https://acme-staging-v02.api.letsencrypt.org/directory'
      : 'https://acme-v02.api.letsencrypt.org/directory';
  for (const [name, serverNames] of certificates()) {
    const keyType = /(^|[-.])(ecdsa|ecc)([-.]|$)/i.test(name)
      ? 'ecdsa'
      : /(^|[-.])rsa([-.]|$)/i.test(name)
        ? 'rsa'
        : env.USE_ECDSA === '0'
          ? 'rsa'
          : 'ecdsa';
    info(`Requesting an ${keyType.toUpperCase()} certificate for '${name}' (http-01 through webroot)`);
    const args = [
      'certonly',
      '--agree-tos',
      '--keep',
      '-n',
      '--text',
      '--preferred-challenges',
      'http-01',
      '--authenticator',
      'webroot',
      '--webroot-path=/var/www/letsencrypt',
      '--email',
      env.CERTBOT_EMAIL,
      '--server',
      server,
      '--rsa-key-size',
      env.RSA_KEY_SIZE || '2048',
      '--elliptic-curve',
      env.ELLIPTIC_CURVE || 'secp256r1',
      '--key-type',
      keyType,
      '--cert-name',
      name,
      ...serverNames.flatMap((d) => ['-d', d]),
      '--debug',
    ];
    const r = spawnSync('certbot', args, { stdio: 'inherit' });
    if (r.status !== 0) error(`Certbot failed for '${name}'. Check the logs for details.`);
  }
  autoEnableConfigs();
  spawnSync('nginx', ['-s', 'reload'], { stdio: 'inherit' });
}

/** USE_LOCAL_CA=1: a CA of our own in /etc/local_ca signs every certificate (as the real image's run_local_ca.sh). */
function runLocalCa() {
  info('Starting certificate renewal process with local CA');
  const ca = '/etc/local_ca';
  mkdirSync(ca, { recursive: true });
  const authority = { key: `${ca}/caPrivkey.pem`, cert: `${ca}/caCert.pem` };
  if (!existsSync(authority.key)) info('Creating new private key and certificate for the local CA');
  ensureCa({ ...authority, subject: '/O=nginx-certbot/CN=Local Debug CA', days: 30 });
  for (const [name, serverNames] of certificates()) {
    const live = `/etc/letsencrypt/live/${name}`;
    const fresh = () =>
      openssl(['x509', '-checkend', String(7 * 86400), '-noout', '-in', `${live}/cert.pem`]).status === 0;
    if (existsSync(`${live}/fullchain.pem`) && fresh()) continue;
    info(`Creating new certificate for '${name}' signed by the local CA`);
    const failed = issue({ ca: authority, live, cn: name, domains: serverNames, days: 30 });
    if (failed) info(`Could not sign the certificate for '${name}': ${failed}`);
  }
  autoEnableConfigs();
  spawnSync('nginx', ['-s', 'reload'], { stdio: 'inherit' });
}

// ---------- main ----------
symlinkUserConfigs();
autoEnableConfigs();
info('Starting the Nginx service');
const nginx = spawn('nginx', ['-g', 'daemon off;'], { stdio: 'inherit' });
nginx.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));

let wake;
let sleeping = false;
process.on('SIGHUP', () => {
  info('Received SIGHUP signal; terminating the autorenewal sleep process');
  if (sleeping && wake) wake();
  else warning('No sleep process found, this most likely means that a renewal process is currently running');
});
for (const sig of ['SIGTERM', 'SIGINT', 'SIGQUIT']) {
  process.on(sig, () => {
    nginx.removeAllListeners('exit');
    nginx.once('exit', () => process.exit(0));
    nginx.kill('SIGTERM');
  });
}

const seconds = (s) => {
  const m = /^(\d+)([smhd]?)$/.exec(s || '8d');
  return m ? Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2]] : 8 * 86400;
};

info('Starting the autorenewal service');
for (;;) {
  symlinkUserConfigs();
  createDhparams();
  if (env.USE_LOCAL_CA === '1') runLocalCa();
  else runCertbot();
  info(`Autorenewal service will now sleep ${env.RENEWAL_INTERVAL || '8d'}`);
  sleeping = true;
  await new Promise((resolve) => {
    const t = setTimeout(resolve, Math.min(seconds(env.RENEWAL_INTERVAL) * 1000, 2 ** 31 - 1));
    wake = () => {
      clearTimeout(t);
      resolve();
    };
  });
  sleeping = false;
}
