import { randomBytes } from 'node:crypto';
import { promises as dns } from 'node:dns';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { ensureCa, issue, openssl } from './ca.mjs';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  return args[i].includes('=') ? args[i].slice(name.length + 1) : args[i + 1];
};
const domains = args.flatMap((a, i) =>
  a === '-d' || a === '--domain' ? [args[i + 1]] : a.startsWith('--domains=') ? a.slice(10).split(',') : [],
);
const webroot = opt('--webroot-path') ?? opt('-w') ?? '/var/www/letsencrypt';
const certName = opt('--cert-name') ?? domains[0];
const keyType = opt('--key-type') ?? 'ecdsa';
// The resolver "Let's Encrypt" asks (host:port); the container's own resolver when unset. /etc/hosts never counts.
const resolver = new dns.Resolver({ timeout: 3000, tries: 1 });
if (process.env.STANDIN_ACME_RESOLVER) resolver.setServers([process.env.STANDIN_ACME_RESOLVER]);
const connectTimeoutMs = Number(process.env.STANDIN_ACME_CONNECT_TIMEOUT_MS) || 10_000;
// Written synchronously, as certbot (Python) does: process.exit right after an async write to a pipe drops it.
const out = (m) => writeSync(1, `${m}\n`);
const err = (m) => writeSync(2, `${m}\n`);

if (args[0] !== 'certonly' || domains.length === 0) {
  err('certbot (wizard stand-in): only `certonly -d DOMAIN... --webroot-path PATH` is implemented');
  process.exit(2);
}
mkdirSync('/var/log/letsencrypt', { recursive: true });
err('Saving debug log to /var/log/letsencrypt/letsencrypt.log');

const live = `/etc/letsencrypt/live/${certName}`;
if (
  existsSync(`${live}/cert.pem`) &&
  openssl(['x509', '-checkend', String(30 * 86400), '-noout', '-in', `${live}/cert.pem`]).status === 0
) {
  out('Certificate not yet due for renewal; no action taken.');
  process.exit(0);
}
const more =
  domains.length > 1 ? ` and ${domains.length - 1} more domain${domains.length > 2 ? 's' : ''}` : '';
out(
  `${existsSync(`${live}/cert.pem`) ? 'Renewing an existing certificate' : 'Requesting a certificate'} for ${domains[0]}${more}`,
);

const fail = (lines) => {
  for (const l of lines) err(l);
  err(
    'Ask for help or search for solutions at https://community.letsencrypt.org. See the logfile /var/log/letsencrypt/letsencrypt.log or re-run Certbot with -v for more details.',
  );
  process.exit(1);
};

const limitFile = '/etc/letsencrypt/standin-rate-limit';
if (existsSync(limitFile)) {
  const when =
    readFileSync(limitFile, 'utf8').trim() ||
    new Date(Date.now() + 7 * 86_400_000)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC');
  fail([
    'An unexpected error occurred:',
    `too many certificates (5) already issued for this exact set of identifiers in the last 168h0m0s, retry after ${when}: see https://letsencrypt.org/docs/rate-limits/#new-certificates-per-exact-set-of-hostnames`,
  ]);
}

// ---------- HTTP-01, as the CA validates it ----------
async function lookup(name) {
  const settle = (p) =>
    p.then(
      (v) => ({ v }),
      (e) => ({ e }),
    );
  const [a, aaaa] = await Promise.all([settle(resolver.resolve4(name)), settle(resolver.resolve6(name))]);
  const code = (r) => r.e?.code;
  const problem = (type) => {
    const c = code(type === 'A' ? a : aaaa);
    if (c === 'ENOTFOUND')
      return `DNS problem: NXDOMAIN looking up ${type} for ${name} - check that a DNS record exists for this domain`;
    if (c === 'ETIMEOUT') return `DNS problem: query timed out looking up ${type} for ${name}`;
    if (c === 'ESERVFAIL')
      return `DNS problem: SERVFAIL looking up ${type} for ${name} - the domain's nameservers may be malfunctioning`;
    if (c && c !== 'ENODATA') return `DNS problem: networking error looking up ${type} for ${name}`;
    return undefined;
  };
  const addresses = [...(aaaa.v ?? []), ...(a.v ?? [])];
  if (addresses.length) return { addresses };
  const problems = [problem('A'), problem('AAAA')].filter(Boolean);
  return {
    problem: {
      type: 'dns',
      detail: problems.length ? problems.join('; ') : `No valid IP addresses found for ${name}`,
    },
  };
}

function tcp(host) {
  return new Promise((resolve) => {
    const s = connect({ host, port: 80 });
    const t = setTimeout(() => {
      s.destroy();
      resolve('timeout');
    }, connectTimeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.end();
      resolve('ok');
    });
    s.once('error', (e) => {
      clearTimeout(t);
      resolve(e.code === 'ECONNREFUSED' ? 'refused' : e.code === 'ECONNRESET' ? 'reset' : 'unreachable');
    });
  });
}

function fetch(host, name, path) {
  return new Promise((resolve) => {
    const req = request(
      {
        host,
        port: 80,
        path,
        headers: {
          Host: name,
          'User-Agent':
            "Mozilla/5.0 (compatible; Let's Encrypt validation server; +https://www.letsencrypt.org)",
        },
        timeout: connectTimeoutMs,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) =>
      resolve({
        error:
          e.message === 'timeout'
            ? 'Timeout after connect (your server may be slow or overloaded)'
            : `Error getting validation data`,
      }),
    );
    req.end();
  });
}

async function validate(name) {
  const token = randomBytes(32).toString('base64url');
  const keyAuthorization = `${token}.${randomBytes(32).toString('base64url')}`;
  const dir = `${webroot}/.well-known/acme-challenge`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/${token}`, keyAuthorization, { mode: 0o644 });
  try {
    const found = await lookup(name);
    if (found.problem) return found.problem;
    const address = found.addresses[0];
    const url = `http://${name}/.well-known/acme-challenge/${token}`;
    const reach = await tcp(address);
    if (reach === 'timeout')
      return {
        type: 'connection',
        detail: `${address}: Fetching ${url}: Timeout during connect (likely firewall problem)`,
      };
    if (reach === 'refused')
      return { type: 'connection', detail: `${address}: Fetching ${url}: Connection refused` };
    if (reach !== 'ok')
      return { type: 'connection', detail: `${address}: Fetching ${url}: Connection reset by peer` };
    const res = await fetch(address, name, `/.well-known/acme-challenge/${token}`);
    if ('error' in res) return { type: 'connection', detail: `${address}: Fetching ${url}: ${res.error}` };
    if (res.status !== 200)
      return { type: 'unauthorized', detail: `${address}: Invalid response from ${url}: ${res.status}` };
    if (res.body.trim() !== keyAuthorization)
      return {
        type: 'unauthorized',
        detail: `${address}: The key authorization file from the server did not match this challenge. Expected "${keyAuthorization}" (got "${res.body.trim().slice(0, 100)}")`,
      };
    return undefined;
  } finally {
    rmSync(`${dir}/${token}`, { force: true });
  }
}

const problems = [];
for (const name of domains) {
  const p = await validate(name);
  if (p) problems.push({ name, ...p });
}
if (problems.length) {
  const lines = [
    '',
    'Certbot failed to authenticate some domains (authenticator: webroot). The Certificate Authority reported these problems:',
  ];
  for (const p of problems)
    lines.push(`  Domain: ${p.name}`, `  Type:   ${p.type}`, `  Detail: ${p.detail}`, '');
  lines.push(
    'Hint: The Certificate Authority failed to download the temporary challenge files created by Certbot. Ensure that the listed domains serve their content from the provided --webroot-path/-w and that files created there can be downloaded from the internet.',
    '',
    'Some challenges have failed.',
  );
  fail(lines);
}

// ---------- issue ----------
const ca = '/etc/letsencrypt/standin-acme-ca';
mkdirSync(ca, { recursive: true });
const authority = { key: `${ca}/key.pem`, cert: `${ca}/cert.pem` };
ensureCa({ ...authority, subject: "/C=US/O=Let's Encrypt (wizard stand-in)/CN=E5", days: 3650 });
const failed = issue({
  ca: authority,
  live,
  domains,
  days: 90,
  ...(keyType === 'rsa' ? { newkey: ['-newkey', `rsa:${opt('--rsa-key-size') ?? '2048'}`] } : {}),
});
if (failed) fail(['An unexpected error occurred:', failed]);
const expires = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
out('');
out('Successfully received certificate.');
out(`Certificate is saved at: ${live}/fullchain.pem`);
out(`Key is saved at:         ${live}/privkey.pem`);
out(`This certificate expires on ${expires}.`);
out('These files will be updated when the certificate renews.');
