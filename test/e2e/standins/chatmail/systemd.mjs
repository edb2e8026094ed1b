// The relay container's "systemd": boots, runs chatmail-init.service (the relay's setup, as upstream's
// docker/scripts/chatmail-init.sh does it), then keeps the relay's services running on its ports.
//   - MAIL_DOMAIN missing: the setup fails ("[FAILED] Failed to start chatmail-init.service ...") and the container
//     stays up, unhealthy, as the real one does.
//   - First start: DKIM key, chatmail.ini, then `cmdeploy run` logs its operations over a few seconds
//     (STANDIN_SETUP_MS, default 4000); a restart with the same image and chatmail.ini skips the deploy.
//   - Then /run/chatmail-init.done and the services: SMTP on 25/465/587, IMAP on 143/993, HTTP on 80 (redirect to
//     https), the relay's page on 443 (plain HTTP here: no certificate in a stand-in), unbound on 127.0.0.1:53.
//     STANDIN_PORTS moves them (see relay.mjs).
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { exitOnSignals, sleep } from '../lib/proc.mjs';
import {
  ensureAcmeAccount,
  ensureDkimKey,
  FINGERPRINT,
  fingerprint,
  IMAGE_VERSION,
  INI,
  INIT_DONE,
  portMap,
  readIni,
  SERVICES,
  SYSTEMD_STATE,
  writeInitialIni,
} from './relay.mjs';

const say = (line) => process.stdout.write(`${line}\r\n`);
const servers = [];
exitOnSignals(() => {
  say('         Stopping chatmail-init.service - Run container setup commands...');
  for (const s of servers) s.close();
});

function activate(services) {
  mkdirSync(SYSTEMD_STATE, { recursive: true });
  appendFileSync(`${SYSTEMD_STATE}/active`, `${services.join('\n')}\n`);
}

async function setup() {
  const domain = process.env.MAIL_DOMAIN ?? '';
  if (!domain) {
    say("[ERROR] Environment variable 'MAIL_DOMAIN' must be set!");
    return false;
  }
  ensureDkimKey();
  say('[INFO] Fixing /etc/dkimkeys ownership');
  if (!existsSync(INI)) {
    writeInitialIni(INI, domain);
    say(`created config file for ${domain} in ${INI}`);
  }
  const acmeEmail = process.env.ACME_EMAIL ?? '';
  if (acmeEmail && !/^acme_email/m.test(readFileSync(INI, 'utf8')))
    appendFileSync(INI, `acme_email = ${acmeEmail}\n`);
  mkdirSync(`/home/vmail/mail/${domain}`, { recursive: true });

  const fp = fingerprint();
  if (existsSync(FINGERPRINT) && readFileSync(FINGERPRINT, 'utf8').trim() === fp) {
    say(`[INFO] No changes detected (${fp}), skipping deploy.`);
    return true;
  }
  const steps = [
    '[$ pyinfra @local /opt/chatmail/cmdeploy/src/cmdeploy/run.py -y]',
    '--> Loading config...',
    '--> Loading inventory...',
    '--> Connecting to hosts...',
    '    [@local] Connected',
    '--> Preparing operations...',
    '--> Beginning operation run...',
    '--> Starting operation: Configure unbound',
    '--> Starting operation: Set up acmetool',
    '--> Starting operation: Configure opendkim',
    '--> Starting operation: Configure postfix',
    '--> Starting operation: Configure dovecot',
    '--> Starting operation: Configure nginx',
    '--> Starting operation: Build the web pages',
    '--> Starting operation: Activate chatmail services',
  ];
  const total = Number(process.env.STANDIN_SETUP_MS) || 4000;
  for (const line of steps) {
    say(line);
    if (line.startsWith('--> Starting operation')) say('    [@local] Success');
    await sleep(total / steps.length);
  }
  ensureAcmeAccount(readIni().acme_email ?? '');
  say('Deploy completed, call `cmdeploy dns` next.');
  writeFileSync(FINGERPRINT, `${fp}\n`);
  writeFileSync('/etc/chatmail-version', readFileSync(IMAGE_VERSION));
  return true;
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      servers.push(server);
      resolve();
    });
  });
}

function lineServer(greeting, reply) {
  return net.createServer((socket) => {
    socket.write(greeting);
    let buf = '';
    socket.on('data', (chunk) => {
      buf += chunk.toString();
      let i = buf.indexOf('\n');
      while (i >= 0) {
        const line = buf.slice(0, i).replace(/\r$/, '');
        buf = buf.slice(i + 1);
        const [answer, close] = reply(line);
        socket.write(answer);
        if (close) socket.end();
        i = buf.indexOf('\n');
      }
    });
    socket.on('error', () => {});
  });
}

function page(domain) {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${domain} chatmail</title></head>
<body>
<h2>Dear <a href="https://get.delta.chat">Delta Chat</a> users and newcomers ...</h2>
<p>Welcome to instant, interoperable and <a href="privacy.html">privacy-preserving</a> messaging :)</p>
<a class="cta-button" href="DCACCOUNT:https://${domain}/new">Get a ${domain} chat profile</a>
<p>If you are viewing this page on a different device without a Delta Chat app, you can also <strong>scan this QR code</strong> with Delta Chat:</p>
<a href="DCACCOUNT:https://${domain}/new"><img width=300 style="float: none;" src="qr-chatmail-invite-${domain}.png" /></a>
</body></html>
`;
}

async function startServices(domain) {
  const port = portMap();
  const smtp = () =>
    lineServer(`220 ${domain} ESMTP Postfix (Debian/GNU)\r\n`, (line) => {
      const verb = line.split(' ')[0].toUpperCase();
      if (verb === 'EHLO')
        return [
          `250-${domain}\r\n250-PIPELINING\r\n250-SIZE 31457280\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n`,
        ];
      if (verb === 'HELO') return [`250 ${domain}\r\n`];
      if (verb === 'QUIT') return ['221 2.0.0 Bye\r\n', true];
      return ['502 5.5.2 Error: command not recognized\r\n'];
    });
  const imap = () =>
    lineServer(
      '* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot (Debian) ready.\r\n',
      (line) => {
        const [tag = '*', cmd = ''] = line.split(' ');
        if (cmd.toUpperCase() === 'LOGOUT')
          return [`* BYE Logging out\r\n${tag} OK Logout completed.\r\n`, true];
        if (cmd.toUpperCase() === 'CAPABILITY')
          return [
            `* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN\r\n${tag} OK Capability completed.\r\n`,
          ];
        return [`${tag} BAD Error in IMAP command: Unknown command.\r\n`];
      },
    );
  const redirector = http.createServer((req, res) => {
    if (req.url?.startsWith('/.well-known/acme-challenge/')) return res.writeHead(404).end();
    res
      .writeHead(301, { Location: `https://${req.headers.host?.replace(/:\d+$/, '') ?? domain}${req.url}` })
      .end();
  });
  const web = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `https://${domain}`);
    if (url.pathname === '/' || url.pathname === '/index.html')
      return res.writeHead(200, { 'Content-Type': 'text/html' }).end(page(domain));
    if (url.pathname === '/new' && req.method === 'GET')
      return res.writeHead(301, { Location: `dcaccount:https://${domain}/new` }).end();
    if (url.pathname === '/new' && req.method === 'POST') {
      const user = Math.random().toString(36).slice(2, 11);
      return res.writeHead(200, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          email: `${user}@${domain}`,
          password: Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2),
        }),
      );
    }
    if (url.pathname === '/.well-known/mta-sts.txt')
      return res
        .writeHead(200, { 'Content-Type': 'text/plain' })
        .end(`version: STSv1\nmode: enforce\nmx: ${domain}\nmax_age: 2419200\n`);
    res
      .writeHead(404, { 'Content-Type': 'text/html' })
      .end(
        '<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>\n',
      );
  });
  await Promise.all([
    listen(
      net.createServer((s) => s.end()),
      port(53),
      '127.0.0.1',
    ),
    listen(smtp(), port(25)),
    listen(smtp(), port(465)),
    listen(smtp(), port(587)),
    listen(imap(), port(143)),
    listen(imap(), port(993)),
    listen(redirector, port(80)),
    listen(web, port(443)),
  ]);
}

say(
  `systemd 252.38-1~deb12u1 running in system mode (+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL)`,
);
say('Detected virtualization docker.');
say('Detected architecture x86-64.');
say('');
say('Welcome to Debian GNU/Linux 12 (bookworm)!');
say('');
say('[  OK  ] Reached target multi-user.target - Multi-User System.');
say('         Starting chatmail-init.service - Run container setup commands...');
try {
  if (!(await setup())) throw new Error('setup failed');
  await startServices(process.env.MAIL_DOMAIN);
  activate(SERVICES);
  writeFileSync(INIT_DONE, '');
  say('[  OK  ] Finished chatmail-init.service - Run container setup commands.');
} catch (e) {
  if (e.message !== 'setup failed') say(`chatmail-init.sh: ${e.message}`);
  say('chatmail-init.service: Main process exited, code=exited, status=1/FAILURE');
  say('[FAILED] Failed to start chatmail-init.service - Run container setup commands.');
  say("See 'systemctl status chatmail-init.service' for details.");
}
// systemd stays up whatever its units did.
setInterval(() => {}, 1 << 30);
