// The stand-in's certificate authorities (Let's Encrypt's for certbot, the local debug CA for USE_LOCAL_CA=1): a CA
// made once, and leaf certificates it signs, laid out as certbot does (live/NAME/{privkey,cert,chain,fullchain}.pem).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

/** Runs openssl; the result carries its status and stderr. */
export const openssl = (args) =>
  spawnSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });

/** Creates the CA's key and self-signed certificate at `key`/`cert` unless they exist. */
export function ensureCa({ key, cert, subject, days }) {
  if (existsSync(key)) return;
  const made = openssl([
    'req',
    '-x509',
    '-new',
    ...EC,
    '-nodes',
    '-days',
    String(days),
    '-subj',
    subject,
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  if (made.status !== 0) throw new Error(`openssl could not make the CA: ${made.stderr.trim()}`);
}

/**
 * Issues a certificate for `domains` (subject `cn`, by default the first) into `live`, signed by the CA; `newkey`
 * picks the key type (EC by default).
 * Returns openssl's error text when signing fails.
 */
export function issue({ ca, live, domains, days, newkey = EC, cn = domains[0] }) {
  mkdirSync(live, { recursive: true });
  openssl([
    'req',
    '-new',
    ...newkey,
    '-nodes',
    '-subj',
    `/CN=${cn}`,
    '-keyout',
    `${live}/privkey.pem`,
    '-out',
    `${live}/req.csr`,
  ]);
  writeFileSync(`${live}/req.ext`, `subjectAltName=${domains.map((d) => `DNS:${d}`).join(',')}\n`);
  const signed = openssl([
    'x509',
    '-req',
    '-in',
    `${live}/req.csr`,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-days',
    String(days),
    '-extfile',
    `${live}/req.ext`,
    '-out',
    `${live}/cert.pem`,
  ]);
  rmSync(`${live}/req.csr`, { force: true });
  rmSync(`${live}/req.ext`, { force: true });
  if (signed.status !== 0) return signed.stderr.trim() || 'openssl x509 failed';
  const caText = readFileSync(ca.cert, 'utf8');
  writeFileSync(`${live}/chain.pem`, caText);
  writeFileSync(`${live}/fullchain.pem`, `${readFileSync(`${live}/cert.pem`, 'utf8')}${caText}`);
  return undefined;
}
