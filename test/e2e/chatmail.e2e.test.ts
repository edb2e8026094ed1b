import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/core/envfile.js';
import { clearChatmailLeftover, heldRelayPorts, standinPorts, standinPortsEnv } from './helpers/chatmail.js';
import { installArgs } from './helpers/install.js';
import { dockerAvailable, ensureStandinImages, makeFixtureRepo } from './helpers/standins.js';
import { runWizard, unwrapped } from './helpers/wizard.js';

/**
 * A real chatmail relay install on the real Docker engine: the chatmail-docker fixture (upstream's compose file:
 * network_mode host, cgroup host, container_name chatmail) and the ghcr.io/chatmail/docker stand-in, under a
 * temp WIZARD_ROOT, with `--offline --yes --ignore-check cgroups-v2` (this host and CI run cgroups v1).
 *
 * Ports: the relay serves 25, 53, 80, 143, 443, 465, 587 and 993 on the host itself. Binding those here would
 * collide with whatever else runs on the machine (other stacks' tests, a resolver on 53), so the stand-in serves
 * on free high ports given by STANDIN_PORTS (one extra, marked line in the fixture's compose file passes it in).
 * The wizard's preflight still checks the real ports: only if one of them is truly taken on this host does the
 * test pass --ignore-check ports, and then it asserts that the check named it.
 */
const DOMAIN = 'relay.wizard.test';

const inotify = () =>
  ['max_user_instances', 'max_user_watches'].map((k) =>
    readFileSync(`/proc/sys/fs/inotify/${k}`, 'utf8').trim(),
  );

describe('install the chatmail relay end to end', () => {
  let root = '';
  let repo = '';
  let env: Record<string, string> = {};
  let held: number[] = [];
  let ports = new Map<number, number>();
  let kernelBefore: string[] = [];
  let first: Awaited<ReturnType<typeof runWizard>>;
  const args = () =>
    installArgs({
      platform: 'chatmail',
      domain: DOMAIN,
      email: 'admin@example.org',
      repo,
      args: ['--ignore-check', 'cgroups-v2', ...(held.length ? ['--ignore-check', 'ports'] : [])],
    });
  const dataDir = () => join(root, 'opt/chatmail');
  const project = () =>
    JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8')).installs.chatmail
      .project as string;
  const compose = (...a: string[]) =>
    execFileSync('docker', ['compose', '--project-name', project(), '--project-directory', dataDir(), ...a], {
      cwd: dataDir(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const inspect = (format: string) =>
    execFileSync('docker', ['inspect', '--format', format, 'chatmail'], { encoding: 'utf8' }).trim();

  beforeAll(async () => {
    if (!(await dockerAvailable()))
      throw new Error('No Docker engine answers: the e2e suite needs one (run .ci/setup-docker.sh).');
    // upstream names the container `chatmail`: a leftover of an earlier, interrupted run of this test would block it.
    clearChatmailLeftover();
    await ensureStandinImages();
    root = mkdtempSync(join(tmpdir(), 'wizard-e2e-chatmail-'));
    repo = await makeFixtureRepo(root, 'chatmail-docker');
    ports = await standinPorts();
    held = await heldRelayPorts();
    kernelBefore = inotify();
    env = {
      WIZARD_ROOT: root,
      WIZARD_READY_TIMEOUT: '60',
      STANDIN_PORTS: standinPortsEnv(ports),
    };
    first = await runWizard(args(), env);
  });

  afterAll(() => {
    try {
      compose('down', '--volumes', '--remove-orphans', '--timeout', '5');
    } catch {
      // nothing was started
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('checks the real ports, waits for the health check with progress from the log, and ends on the relay page with its DNS records', () => {
    const r = first;
    expect(r.stderr).not.toContain('✖');
    expect(r.code).toBe(0);
    // One ports check, the relay's (it replaces the shared one), on the real ports.
    expect(r.stderr.match(/^. Ports /gm)).toHaveLength(1);
    if (held.length === 0) expect(r.stderr).toMatch(/✔ Ports +25, 53, 80, 143, 443, 465, 587, 993 free/);
    else expect(r.stderr).toMatch(new RegExp(`⚠ Ports +in use: ${held[0]} \\(`));
    expect(r.stderr).toMatch(/cgroups v2 .*\(ignored: --ignore-check cgroups-v2\)|✔ cgroups v2/);
    // The records the domain needs, before the start, in zone-file form.
    expect(r.stderr).toContain(`› www.${DOMAIN}. 3600 IN CNAME ${DOMAIN}.`);
    expect(r.stderr).toContain(`› mta-sts.${DOMAIN}. 3600 IN CNAME ${DOMAIN}.`);
    // Progress from the container's log while its health check says "starting", then healthy: without a terminal
    // a line per state change and "still waiting" at most every 10 s on stderr; the log lines it followed are in
    // the wizard's log.
    expect(r.stderr).toContain('❯ Wait until the relay is set up (the first start takes minutes)');
    const waiting =
      r.stderr.match(/^› still waiting \(\d+ s\): \((starting|no answer from docker inspect)\): .*$/gm) ?? [];
    expect(waiting.length).toBeLessThanOrEqual(30);
    expect(r.stderr).not.toMatch(/^› \d+ s /m);
    const log = readFileSync(r.stdout.match(/Log of this run:\s+(\S+)/)?.[1] ?? '', 'utf8');
    expect(log).toMatch(/--> Starting operation: Configure (postfix|dovecot|nginx|opendkim|unbound)/);
    expect(r.stderr).toMatch(/✔ Chatmail relay 1\.12\.0 is healthy \(after \d+ s\)/);
    expect(r.stderr).toMatch(/not applied: WIZARD_ROOT is set, the host kernel is left alone/);
    expect(r.stdout).toContain('✔ Chatmail relay 1.12.0 is running.');
    expect(unwrapped(r.stdout)).toContain(
      `Open https://${DOMAIN} to get a chat profile: scan its invite QR code with Delta Chat`,
    );
    // The relay's own DNS check, as a zone snippet in the summary.
    expect(r.stdout).toMatch(
      new RegExp(
        `; Required DNS entries\\n${DOMAIN.replaceAll('.', '\\.')}\\. +3600 +IN +MX +10 ${DOMAIN.replaceAll('.', '\\.')}\\.`,
      ),
    );
    expect(r.stdout).toMatch(
      new RegExp(
        `\\nopendkim\\._domainkey\\.${DOMAIN.replaceAll('.', '\\.')}\\. +3600 +IN +TXT +"v=DKIM1;k=rsa;p=MII`,
      ),
    );
    expect(r.stdout).toContain('; Recommended DNS entries');
    expect(r.stdout).toMatch(
      /_imaps\._tcp\.relay\.wizard\.test\. +3600 +IN +SRV +0 1 993 relay\.wizard\.test\./,
    );
    // Never the shared proxy.
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/nginx-certbot|wizard-proxy|Start the proxy/);
  });

  it('writes .env and the sysctl file with their modes, no proxy files, and leaves the kernel alone', () => {
    expect(statSync(join(dataDir(), '.env')).mode & 0o777).toBe(0o600);
    expect(parseEnv(readFileSync(join(dataDir(), '.env'), 'utf8')).values).toEqual({
      MAIL_DOMAIN: DOMAIN,
      ACME_EMAIL: 'admin@example.org',
      CHATMAIL_IMAGE: 'ghcr.io/chatmail/docker:1.12.0',
      COMPOSE_PROJECT_NAME: project(),
    });
    const sysctl = join(root, 'etc/sysctl.d/99-inotify.conf');
    expect(statSync(sysctl).mode & 0o777).toBe(0o644);
    expect(readFileSync(sysctl, 'utf8')).toMatch(
      /^fs\.inotify\.max_user_instances=65536\nfs\.inotify\.max_user_watches=65536\n$/m,
    );
    expect(inotify()).toEqual(kernelBefore);
    expect(existsSync(join(root, 'root/nginx'))).toBe(false);
    expect(existsSync(join(root, 'data/nginx'))).toBe(false);
    expect(execFileSync('git', ['-C', dataDir(), 'status', '--porcelain'], { encoding: 'utf8' })).toBe('');
  });

  it('runs the relay as upstream composes it: host network, host cgroups, healthy, serving its page and mail ports', async () => {
    expect(inspect('{{.HostConfig.NetworkMode}} {{.HostConfig.CgroupnsMode}} {{.State.Health.Status}}')).toBe(
      'host host healthy',
    );
    const page = await fetch(`http://127.0.0.1:${ports.get(443)}/`).then((res) => res.text());
    expect(page).toContain(`DCACCOUNT:https://${DOMAIN}/new`);
    const redirect = await fetch(`http://127.0.0.1:${ports.get(80)}/`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    const banner = await new Promise<string>((resolve, reject) => {
      const s = connect(ports.get(25) ?? 0, '127.0.0.1');
      s.once('data', (d) => {
        resolve(d.toString());
        s.end();
      });
      s.once('error', reject);
    });
    expect(banner).toBe(`220 ${DOMAIN} ESMTP Postfix (Debian/GNU)\r\n`);
  });

  it('records the install in the state, and `status --json` shows the healthy container', async () => {
    const state = JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8'));
    expect(state.installs.chatmail).toMatchObject({
      platform: 'chatmail',
      domain: DOMAIN,
      release: '1.12.0',
      status: 'installed',
      tls: 'letsencrypt',
      composeFiles: [],
    });
    // With --offline there is no pull step.
    expect(Object.keys(state.installs.chatmail.journal)).toEqual([
      'clone',
      'sysctl',
      'dns-records',
      'files:Write .env',
      'up',
      'ready',
      'dns-check',
    ]);
    const r = await runWizard(['status', '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).installs[0].containers).toEqual([
      expect.objectContaining({ service: 'chatmail', name: 'chatmail', state: 'running', health: 'healthy' }),
    ]);
  });

  it('a second run changes nothing: same files, same container, healthy at once', async () => {
    const files = [join(dataDir(), '.env'), join(root, 'etc/sysctl.d/99-inotify.conf')];
    const before = files.map((f) => [readFileSync(f, 'utf8'), statSync(f).mtimeMs]);
    const container = inspect('{{.Id}} {{.State.StartedAt}}');
    const r = await runWizard(args(), env);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('"chatmail" is already installed');
    expect(r.stderr).toContain('✔ Wrote .env (0 changed, 1 unchanged)');
    expect(r.stderr).toContain("✔ The relay's last setup did not fail");
    expect(r.stderr).toMatch(/✔ Chatmail relay 1\.12\.0 is healthy \(after [01] s\)/);
    expect(files.map((f) => [readFileSync(f, 'utf8'), statSync(f).mtimeMs])).toEqual(before);
    expect(inspect('{{.Id}} {{.State.StartedAt}}')).toBe(container);
    expect(r.stdout).toContain('; Required DNS entries');
  });
});
