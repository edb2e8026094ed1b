import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastAttempts } from '../../src/core/acme.js';
import { withDefaults } from '../../src/core/answers.js';
import { templateLoader } from '../../src/system/assets.js';
import { findPlatform } from '../../steps/index.js';
import { certbotGrammar } from '../../steps/proxy/acme.js';
import { renderSite } from '../../steps/proxy/index.js';
import { tmpRoot } from '../helpers/tmp.js';
import { dockerAvailable, ensureStandinImages } from './helpers/standins.js';

const IMAGE = 'jonasal/nginx-certbot:latest';
const id = (process.pid % 100000).toString(36);
const NAME = `wizard-e2e-nginx-certbot-${id}`;

/**
 * The nginx-certbot stand-in on Docker's bridge network (its own ports 80/443, not the host's): the real image's
 * start sequence with the wizard's own site file, and certbot's HTTP-01 validation answering like Let's Encrypt
 * for each cause. A small DNS server on the host plays the CA's resolver.
 */
describe('the jonasal/nginx-certbot stand-in', () => {
  let dir = '';
  let zone = '';
  let resolver = '';
  let dnsServer: ChildProcess | undefined;
  const docker = (...a: string[]) =>
    execFileSync('docker', a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const dockerAll = (...a: string[]) => {
    try {
      return docker(...a);
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string };
      return `${x.stdout ?? ''}${x.stderr ?? ''}`;
    }
  };
  const logs = () => execFileSync('sh', ['-c', `docker logs ${NAME} 2>&1`], { encoding: 'utf8' });
  const waitLog = async (re: RegExp, count = 1, ms = 60_000) => {
    const end = Date.now() + ms;
    while ((logs().match(new RegExp(re.source, 'g')) ?? []).length < count) {
      if (Date.now() > end) throw new Error(`log never showed ${re}:\n${logs()}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  };
  // nginx -s reload is asynchronous: the new workers serve the site a moment after the log line.
  const servedBy = async (container: string, domain: string) => {
    const end = Date.now() + 15_000;
    for (;;) {
      const out = dockerAll(
        'exec',
        container,
        'sh',
        '-c',
        `openssl s_client -connect 127.0.0.1:443 -servername ${domain} </dev/null 2>/dev/null | openssl x509 -noout -issuer -ext subjectAltName`,
      );
      if (out.includes('issuer=') || Date.now() > end) return out;
      await new Promise((r) => setTimeout(r, 300));
    }
  };
  const site = (domain: string) => {
    const platform = findPlatform('mattermost');
    if (!platform) throw new Error('no mattermost platform');
    const answers = withDefaults(
      {
        platform: 'mattermost',
        domain,
        email: 'admin@example.com',
        tls: 'letsencrypt',
        port: 8065,
        extra: {},
      },
      platform,
    );
    // As the wizard writes them (steps/proxy): the shared map every site's locations use, and the site.
    writeFileSync(
      join(dir, 'user_conf.d', '00-wizard-common.conf'),
      templateLoader()('proxy/00-wizard-common.conf'),
    );
    writeFileSync(
      join(dir, 'user_conf.d', `${domain}.conf`),
      renderSite(templateLoader(), {
        title: 'Mattermost',
        name: answers.name,
        domain,
        locations: [{ path: '/', port: 8065 }],
      }),
    );
  };

  beforeAll(async () => {
    if (!(await dockerAvailable()))
      throw new Error('No Docker engine answers: the e2e suite needs one (run .ci/setup-docker.sh).');
    await ensureStandinImages();
    dir = tmpRoot('wizard-nginx-certbot-');
    mkdirSync(join(dir, 'user_conf.d'));
    zone = join(dir, 'zone.json');
    writeFileSync(
      zone,
      JSON.stringify({ 'chat.wz.test': '127.0.0.1', 'u.wz.test': '127.0.0.1', 'wz.test': [] }),
    );
    // The bridge's gateway: IPAM names it on most engines; a freshly started dockerd may leave it out, and
    // then the gateway is the first address of the subnet (what docker0 carries).
    const ipam = JSON.parse(docker('network', 'inspect', 'bridge', '-f', '{{json .IPAM.Config}}')) as {
      Subnet?: string;
      Gateway?: string;
    }[];
    const v4 = ipam.find((c) => c.Subnet?.includes('.'));
    const gateway = v4?.Gateway || (v4?.Subnet ?? '').replace(/\.\d+\/\d+$/, '.1');
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(gateway))
      throw new Error(`no IPv4 gateway for Docker's bridge: ${JSON.stringify(ipam)}`);
    const port = 20000 + (process.pid % 20000);
    resolver = `${gateway}:${port}`;
    dnsServer = spawn(
      process.execPath,
      [join(import.meta.dirname, 'netns/dns-server.mjs'), gateway, String(port), zone],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((res, rej) => {
      dnsServer?.stdout?.once('data', () => res());
      dnsServer?.once('exit', (c) => rej(new Error(`dns-server exited ${c}`)));
    });
    site('chat.wz.test');
    docker(
      'run',
      '-d',
      '--name',
      NAME,
      '-e',
      'CERTBOT_EMAIL=admin@example.com',
      '-e',
      `STANDIN_ACME_RESOLVER=${resolver}`,
      '-v',
      `${join(dir, 'user_conf.d')}:/etc/nginx/user_conf.d`,
      IMAGE,
    );
  }, 300_000);

  afterAll(() => {
    dockerAll('rm', '-f', '-v', NAME);
    dnsServer?.kill('SIGTERM');
  });

  it('starts like the real image: the site waits for its certificate, certbot gets it over HTTP-01, nginx serves it', async () => {
    await waitLog(/Autorenewal service will now sleep 8d/);
    const out = logs();
    expect(out).toContain(
      "Creating symlink '/etc/nginx/conf.d/chat.wz.test.conf' to '/etc/nginx/user_conf.d/chat.wz.test.conf'",
    );
    expect(out).toContain(
      "Important file(s) for '/etc/nginx/conf.d/chat.wz.test.conf' are missing, disabling...",
    );
    expect(out).toContain("Requesting an ECDSA certificate for 'chat.wz.test' (http-01 through webroot)");
    expect(out).toContain('Successfully received certificate.');
    expect(out).toContain(
      "Found all the necessary files for '/etc/nginx/conf.d/chat.wz.test.conf.nokey', enabling...",
    );
    const served = await servedBy(NAME, 'chat.wz.test');
    expect(served).toContain("O = Let's Encrypt (wizard stand-in)");
    expect(served).toContain('DNS:chat.wz.test');
    expect(lastAttempts(out, certbotGrammar).get('chat.wz.test')).toMatchObject({ outcome: 'ok' });
  });

  it('SIGHUP requests a new site at once; a name without DNS fails with NXDOMAIN and the site stays disabled', async () => {
    site('nx.wz.test');
    docker('kill', '-s', 'HUP', NAME);
    await waitLog(/Autorenewal service will now sleep 8d/, 2);
    const out = logs();
    expect(out).toContain('Received SIGHUP signal; terminating the autorenewal sleep process');
    expect(out).toContain(
      'Detail: DNS problem: NXDOMAIN looking up A for nx.wz.test - check that a DNS record exists for this domain',
    );
    expect(out).toContain("Certbot failed for 'nx.wz.test'. Check the logs for details.");
    expect(out).toContain('Certificate not yet due for renewal; no action taken.');
    const attempts = lastAttempts(out, certbotGrammar);
    expect(attempts.get('nx.wz.test')).toMatchObject({
      outcome: 'failed',
      class: 'dns',
      domain: 'nx.wz.test',
    });
    expect(attempts.get('chat.wz.test')).toMatchObject({ outcome: 'ok' });
    expect(docker('exec', NAME, 'ls', '/etc/nginx/conf.d')).toContain('nx.wz.test.conf.nokey');
  });

  it('the challenge not served (404): unauthorized; nothing on port 80: connection refused', () => {
    const unauthorized = dockerAll(
      'exec',
      NAME,
      'certbot',
      'certonly',
      '-n',
      '--webroot-path=/tmp/elsewhere',
      '--cert-name',
      'u.wz.test',
      '-d',
      'u.wz.test',
    );
    expect(unauthorized).toMatch(
      /Type: {3}unauthorized\n {2}Detail: 127\.0\.0\.1: Invalid response from http:\/\/u\.wz\.test\/\.well-known\/acme-challenge\/[\w-]+: 404/,
    );
    const refused = dockerAll(
      'run',
      '--rm',
      '-e',
      `STANDIN_ACME_RESOLVER=${resolver}`,
      IMAGE,
      'certbot',
      'certonly',
      '-n',
      '--webroot-path=/var/www/letsencrypt',
      '--cert-name',
      'chat.wz.test',
      '-d',
      'chat.wz.test',
    );
    expect(refused).toMatch(
      /Type: {3}connection\n {2}Detail: 127\.0\.0\.1: Fetching http:\/\/chat\.wz\.test\/\.well-known\/acme-challenge\/[\w-]+: Connection refused/,
    );
    expect(lastAttempts(refused, certbotGrammar).get('chat.wz.test')).toMatchObject({
      outcome: 'failed',
      class: 'connection',
    });
  });

  it('USE_LOCAL_CA=1 issues from its own CA, as the real image does for --tls selfsigned', async () => {
    const local = `${NAME}-local`;
    try {
      docker(
        'run',
        '-d',
        '--name',
        local,
        '-e',
        'USE_LOCAL_CA=1',
        '-e',
        'CERTBOT_EMAIL=admin@example.com',
        '-v',
        `${join(dir, 'user_conf.d')}:/etc/nginx/user_conf.d`,
        IMAGE,
      );
      const end = Date.now() + 60_000;
      while (!dockerAll('logs', local).includes('Autorenewal service will now sleep')) {
        if (Date.now() > end) throw new Error(dockerAll('logs', local));
        await new Promise((r) => setTimeout(r, 300));
      }
      const served = await servedBy(local, 'chat.wz.test');
      expect(served).toContain('CN = Local Debug CA');
    } finally {
      dockerAll('rm', '-f', '-v', local);
    }
  });
});
