import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpRoot } from '../helpers/tmp.js';
import { installArgs } from './helpers/install.js';
import { dockerAvailable, ensureStandinImages, makeFixtureRepo } from './helpers/standins.js';
import { freePort, runWizard } from './helpers/wizard.js';

interface Report {
  findings: {
    id: string;
    severity: string;
    class?: string;
    title: string;
    evidence: string;
    remedy?: string;
    install?: string;
  }[];
  exitCode: number;
}

const DOMAIN = 'wizard-e2e.invalid';

/**
 * A Mattermost install behind the shared proxy (the nginx-certbot stand-in on the host network) with
 * --tls letsencrypt on a name that does not resolve: certbot's request fails like Let's Encrypt's would,
 * and doctor names the cause from the proxy's log. Ports 80 and 443 of this host are used while it runs.
 */
describe('wizard doctor on a failed certificate request', () => {
  let root = '';
  let env: Record<string, string> = {};
  let proxy: string[] = [];
  const dataDir = () => join(root, 'opt/mattermost');
  const doctor = async () => {
    const r = await runWizard(['doctor', 'mattermost', '--json'], env);
    return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
  };
  const request = (r: Report) => r.findings.find((f) => f.id === 'certificate-request');
  const proxyCompose = (...a: string[]) =>
    execFileSync('docker', ['compose', ...proxy, ...a], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const until = async <T>(fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v !== undefined) return v;
      if (Date.now() > end)
        throw new Error(`not reached; proxy log:\n${proxyCompose('logs', '--no-color', '--tail', '60')}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  };

  beforeAll(async () => {
    if (!(await dockerAvailable()))
      throw new Error('No Docker engine answers: the e2e suite needs one (run .ci/setup-docker.sh).');
    const busy = execFileSync('ss', ['-Hltn', '( sport = :80 or sport = :443 )'], {
      encoding: 'utf8',
    }).trim();
    if (busy)
      throw new Error(`Ports 80/443 of this host are taken (the proxy runs on the host network):\n${busy}`);
    await ensureStandinImages();
    root = tmpRoot('wizard-doctor-cert-');
    const repo = await makeFixtureRepo(root, 'mattermost-docker');
    const port = await freePort();
    env = { WIZARD_ROOT: root, WIZARD_READY_TIMEOUT: '120' };
    // The same project name and file the wizard uses for the proxy under this WIZARD_ROOT (src/system/environment.ts).
    proxy = [
      '--project-name',
      `wizard-proxy-${createHash('sha256').update(resolve(root)).digest('hex').slice(0, 8)}`,
      '-f',
      join(root, 'root/nginx/compose.yml'),
    ];
    const r = await runWizard(
      installArgs({ platform: 'mattermost', domain: DOMAIN, tls: 'letsencrypt', repo, port }),
      env,
    );
    if (r.code !== 0) throw new Error(`install failed (${r.code}): ${r.stderr}`);
  }, 300_000);

  afterAll(() => {
    for (const args of [proxy, ['--project-directory', dataDir()]]) {
      try {
        execFileSync(
          'docker',
          ['compose', ...args, 'down', '--volumes', '--remove-orphans', '--timeout', '2'],
          { cwd: dataDir(), stdio: 'ignore' },
        );
      } catch {
        // nothing to remove
      }
    }
  });

  it('a name that does not resolve: one finding of class dns, with the record to create; exit 2', async () => {
    const { code, report } = await until(async () => {
      const d = await doctor();
      return request(d.report) ? d : undefined;
    });
    expect(code).toBe(2);
    const f = request(report);
    expect(f).toMatchObject({
      severity: 'fail',
      class: 'dns',
      install: 'mattermost',
      title: 'Certificate request',
    });
    expect(f?.evidence).toContain(
      `DNS problem: NXDOMAIN looking up A for ${DOMAIN} - check that a DNS record exists for this domain`,
    );
    expect(f?.evidence).toMatch(/\(at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)$/);
    expect(f?.remedy).toContain(`${DOMAIN}. 300 IN A `);
    expect(f?.remedy).toContain('kill -s SIGHUP nginx');
    // The served certificate is missing: nginx-certbot disabled the site until it has one.
    expect(report.findings.find((x) => x.id === 'certificate')).toMatchObject({ severity: 'fail' });
    expect(report.findings.filter((x) => x.id === 'certificate-request')).toHaveLength(1);
    // The same finding for a person: evidence and remedy in the report, no colour under NO_COLOR.
    const text = await runWizard(['doctor', 'mattermost'], env);
    expect(text.code).toBe(2);
    expect(text.stdout).toContain(`Let's Encrypt could not look up ${DOMAIN}: Detail: DNS problem: NXDOMAIN`);
    expect(text.stdout).toContain(`${DOMAIN}. 300 IN A `);
    expect(text.stdout.includes(String.fromCharCode(27))).toBe(false);
  });

  it('a newer attempt decides: after a rate limit, the finding says when to retry', async () => {
    const when = '2026-12-01 04:04:50 UTC';
    proxyCompose('exec', '-T', 'nginx', 'sh', '-c', `echo '${when}' > /etc/letsencrypt/standin-rate-limit`);
    proxyCompose('kill', '-s', 'SIGHUP', 'nginx');
    const { code, report } = await until(async () => {
      const d = await doctor();
      return request(d.report)?.class === 'rate-limit' ? d : undefined;
    });
    expect(code).toBe(2);
    const f = request(report);
    expect(f?.evidence).toContain(
      `too many certificates (5) already issued for this exact set of identifiers in the last 168h0m0s, retry after ${when}`,
    );
    expect(f?.remedy).toMatch(new RegExp(`^Do not retry before ${when}`));
  });
});
