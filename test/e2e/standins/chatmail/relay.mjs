// What the chatmail relay stand-in's programs share: its files (same paths as the real image), chatmail.ini, the
// DKIM key, the ACME account, and the DNS zone in the layout `cmdeploy dns` prints.
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { dirname } from 'node:path';

export const INI = process.env.CHATMAIL_INI || '/etc/chatmail/chatmail.ini';
export const DKIM_KEY = '/etc/dkimkeys/opendkim.private';
export const ACME_ACCOUNT = '/var/lib/acme/standin-account-url';
export const INIT_DONE = '/run/chatmail-init.done';
export const FINGERPRINT = '/etc/chatmail/.deploy-fingerprint';
export const IMAGE_VERSION = '/etc/chatmail-image-version';
export const SYSTEMD_STATE = '/run/standin-systemd';

/** The services upstream's health check requires. */
export const SERVICES = [
  'chatmail-metadata',
  'doveauth',
  'dovecot',
  'filtermail',
  'filtermail-incoming',
  'filtermail-transport',
  'nginx',
  'postfix',
  'unbound',
];

/** Writes chatmail.ini as `cmdeploy init DOMAIN` does (the settings the stand-in reads, upstream's names). */
export function writeInitialIni(path, domain) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(
    path,
    `[params]\n\n# the fully qualified domain name of this relay\nmail_domain = ${domain}\n\nmax_user_send_per_minute = 60\nmax_mailbox_size = 500M\ndelete_mails_after = 20\npasswordmin_length = 9\ndisable_ipv6 = False\n`,
  );
}

export function readIni(path = INI) {
  const params = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*([a-z_0-9]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) params[m[1]] = m[2];
  }
  return params;
}

/** Like opendkim-genkey: a 2048-bit RSA key in PKCS#1 PEM. */
export function ensureDkimKey() {
  if (existsSync(DKIM_KEY)) return false;
  mkdirSync(dirname(DKIM_KEY), { recursive: true });
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(DKIM_KEY, privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
  return true;
}

/** The public key as `openssl rsa -pubout` prints it, without its armour lines. */
export function dkimPublicKey() {
  const key = createPublicKey(readFileSync(DKIM_KEY, 'utf8'));
  return key.export({ type: 'spki', format: 'der' }).toString('base64');
}

export function acmeAccountUrl() {
  return existsSync(ACME_ACCOUNT) ? readFileSync(ACME_ACCOUNT, 'utf8').trim() : '';
}

/** acmetool's account, made during the deploy (stored with the certificates, in the certs volume). */
export function ensureAcmeAccount(email) {
  if (acmeAccountUrl()) return;
  mkdirSync(dirname(ACME_ACCOUNT), { recursive: true });
  const id = Number.parseInt(
    createHash('sha256').update(`${email}:${Date.now()}`).digest('hex').slice(0, 8),
    16,
  );
  writeFileSync(ACME_ACCOUNT, `https://acme-v02.api.letsencrypt.org/acme/acct/${id}\n`);
}

export function fingerprint() {
  const image = existsSync(IMAGE_VERSION) ? readFileSync(IMAGE_VERSION, 'utf8').trim() : 'none';
  return `${image}:${createHash('sha256').update(readFileSync(INI)).digest('hex').slice(0, 16)}`;
}

/** The host's own addresses (the container shares the host's network). */
export function hostAddresses() {
  const all = Object.values(networkInterfaces())
    .flat()
    .filter((i) => i && !i.internal);
  return {
    A: all.find((i) => i.family === 'IPv4')?.address ?? '',
    AAAA: all.find((i) => i.family === 'IPv6' && /^[23]/.test(i.address))?.address ?? '',
  };
}

const record = (name, type, data, ttl = 3600) =>
  `${name.padEnd(40)} ${String(ttl).padEnd(6)} IN  ${type.padEnd(5)}  ${data}`;

/** The DKIM TXT record, split into 255-character strings, and the one-string form for web DNS editors. */
export function dkimEntries(domain) {
  const value = `v=DKIM1;k=rsa;p=${dkimPublicKey()};s=email;t=s`;
  const chunks = value.match(/.{1,255}/g);
  const name = `opendkim._domainkey.${domain}.`;
  return {
    entry: `${name.padEnd(40)} 3600   IN  TXT    "${chunks.join('" "')}"`,
    web: `${name.padEnd(40)} 3600   IN  TXT    "${value}"`,
  };
}

/** The relay's zone: required entries, then recommended ones. */
export function zone({ domain, A, AAAA, stsId, acmeUrl, dkim }) {
  const lines = ['; Required DNS entries'];
  if (A) lines.push(record(`${domain}.`, 'A', A));
  if (AAAA) lines.push(record(`${domain}.`, 'AAAA', AAAA));
  lines.push(record(`${domain}.`, 'MX', `10 ${domain}.`));
  lines.push(record(`_mta-sts.${domain}.`, 'TXT', `"v=STSv1; id=${stsId}"`));
  lines.push(record(`mta-sts.${domain}.`, 'CNAME', `${domain}.`));
  lines.push(record(`www.${domain}.`, 'CNAME', `${domain}.`));
  lines.push(dkim);
  lines.push('', '; Recommended DNS entries');
  lines.push(record(`${domain}.`, 'TXT', '"v=spf1 a ~all"'));
  lines.push(record(`_dmarc.${domain}.`, 'TXT', '"v=DMARC1;p=reject;adkim=s;aspf=s"'));
  if (acmeUrl) lines.push(record(`${domain}.`, 'CAA', `0 issue "letsencrypt.org;accounturi=${acmeUrl}"`));
  lines.push(record(`_adsp._domainkey.${domain}.`, 'TXT', '"dkim=discardable"'));
  for (const [service, port] of [
    ['submission', 587],
    ['submissions', 465],
    ['imap', 143],
    ['imaps', 993],
  ]) {
    lines.push(record(`_${service}._tcp.${domain}.`, 'SRV', `0 1 ${port} ${domain}.`));
  }
  lines.push('');
  return lines.join('\n');
}

/** STANDIN_PORTS="25=40025,80=40080,..." moves a service off its real port (the e2e runs beside other stacks). */
export function portMap(env = process.env.STANDIN_PORTS ?? '') {
  const map = new Map();
  for (const pair of env.split(',').filter(Boolean)) {
    const [from, to] = pair.split('=').map(Number);
    if (from && to) map.set(from, to);
  }
  return (port) => map.get(port) ?? port;
}
