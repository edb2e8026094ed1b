// cmdeploy inside the relay's container, as `docker exec chatmail cmdeploy ...` runs it (chatmail/docker README):
//   dns [--ssh-host @local] [--zonefile FILE]   the DNS check, printed like chatmail/relay's cmdeploy/dns.py
//   status                                       the domain and the running services
//   init DOMAIN                                  writes chatmail.ini
// The DNS check can't look anything up here: it takes A, AAAA and the www/mta-sts CNAMEs as set (the relay's setup
// does not finish without them) and everything else (MX, DKIM, MTA-STS id, SPF, DMARC, CAA, SRV) as not set yet.
import { existsSync, writeFileSync } from 'node:fs';
import { parseFlags } from '../lib/proc.mjs';
import {
  acmeAccountUrl,
  DKIM_KEY,
  dkimEntries,
  hostAddresses,
  INI,
  readIni,
  SERVICES,
  writeInitialIni,
  zone,
} from './relay.mjs';

const { opts, positional } = parseFlags(process.argv.slice(2), ['v', 'verbose', 'force']);
const [command, ...args] = positional;
const ini = typeof opts.config === 'string' ? opts.config : INI;
const out = (s = '') => process.stdout.write(`${s}\n`);
const err = (s = '', end = '\n') => process.stderr.write(`${s}${end}`);

function config() {
  if (!existsSync(ini)) {
    err(`Error: ${ini} does not exist; run: cmdeploy init DOMAIN`);
    process.exit(1);
  }
  return readIni(ini);
}

if (command === 'init') {
  if (existsSync(ini) && !opts.force) {
    out(`[WARNING] Path exists, not modifying: ${ini}`);
    process.exit(1);
  }
  writeInitialIni(ini, args[0]);
  err(`created config file for ${args[0]} in ${ini}`);
} else if (command === 'status') {
  out(`chatmail domain: ${config().mail_domain}`);
  err('no privacy settings');
  for (const s of SERVICES) out(`  ${`${s}.service`.padEnd(40)} loaded active running ${s}`);
} else if (command === 'dns') {
  const domain = config().mail_domain;
  err('Collecting initial DNS settings', '');
  err('.'.repeat(6));
  const acmeUrl = acmeAccountUrl();
  if (!acmeUrl) {
    err("could not get letsencrypt account url, please run 'cmdeploy run'");
    process.exit(1);
  }
  if (!existsSync(DKIM_KEY)) {
    err("could not determine dkim_entry, please run 'cmdeploy run'");
    process.exit(1);
  }
  const { A, AAAA } = hostAddresses();
  const dkim = dkimEntries(domain);
  const stsId = new Date().toISOString().replace(/[-T:]/g, '').slice(0, 12);
  const text = zone({ domain, A, AAAA, stsId, acmeUrl, dkim: dkim.entry });
  if (typeof opts.zonefile === 'string') {
    writeFileSync(opts.zonefile, text);
    err(`DNS records successfully written to: ${opts.zonefile}`);
    process.exit(0);
  }
  err('Check expected zone file entries', '');
  const set = (line) => / IN {2}(A|AAAA|CNAME) /.test(line);
  const required = [];
  const recommended = [];
  let inRequired = true;
  for (const line of text.split('\n')) {
    if (line.startsWith('; Recommended')) inRequired = false;
    if (!line.trim() || line.startsWith(';')) continue;
    err('.', '');
    if (!set(line)) (inRequired ? required : recommended).push(line);
  }
  err();
  if (required.length) {
    err('Please set required DNS entries at your DNS provider:\n');
    for (const l of required) out(l);
    out('');
  }
  if (required.includes(dkim.entry)) {
    out('If the DKIM entry above does not work with your DNS provider, you can try this one:\n');
    out(`${dkim.web}\n`);
  }
  if (recommended.length) {
    out('WARNING: these recommended DNS entries are not set:\n');
    for (const l of recommended) out(l);
  }
  process.exit(required.length ? 1 : 0);
} else {
  err('usage: cmdeploy [-h] {init,run,dns,status,test,fmt,bench,webdev} ...');
  process.exit(2);
}
