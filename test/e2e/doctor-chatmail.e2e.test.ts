import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNITS } from '../../steps/chatmail/doctor.js';
import { clearChatmailLeftover, heldRelayPorts, standinPorts, standinPortsEnv } from './helpers/chatmail.js';
import { type DoctorReport, doctorOf, unpackedBundle, waitFor } from './helpers/doctor.js';
import { installArgs } from './helpers/install.js';
import { dockerAvailable, ensureStandinImages, makeFixtureRepo } from './helpers/standins.js';
import { runWizard } from './helpers/wizard.js';

const DOMAIN = 'relay.wizard.test';

/**
 * The chatmail relay's doctor on a real stand-in install (the chatmail-docker fixture, one container running the
 * relay's services under its "systemd"; ports moved by STANDIN_PORTS as in chatmail.e2e.test.ts), with one fault at
 * a time: services stopped inside the container, the container stopped, and a support bundle without the relay's
 * DKIM key or the ACME email.
 */
describe('wizard doctor on a real chatmail relay', () => {
  let root = '';
  let env: Record<string, string> = {};
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
  const health = () =>
    execFileSync('docker', ['inspect', '--format', '{{.State.Health.Status}}', 'chatmail'], {
      encoding: 'utf8',
    }).trim();
  const { run: doctor, mine, problems, byId } = doctorOf('chatmail', () => env);
  // Here the checks through the domain fail, truly: a .test domain has no DNS, and the stand-in's 443 is moved to a
  // free port (STANDIN_PORTS), so nothing serves the relay's certificate on 127.0.0.1:443. Every fault is judged
  // beside those two.
  const throughDomain = new Set(['public', 'certificate']);
  const faults = (r: DoctorReport) => problems(r).filter((f) => !throughDomain.has(f.id));

  beforeAll(async () => {
    if (!(await dockerAvailable()))
      throw new Error('No Docker engine answers: the e2e suite needs one (run .ci/setup-docker.sh).');
    clearChatmailLeftover();
    await ensureStandinImages();
    root = mkdtempSync(join(tmpdir(), 'wizard-doctor-chatmail-'));
    const repo = await makeFixtureRepo(root, 'chatmail-docker');
    const held = (await heldRelayPorts()).length > 0;
    env = {
      WIZARD_ROOT: root,
      WIZARD_READY_TIMEOUT: '90',
      STANDIN_PORTS: standinPortsEnv(await standinPorts()),
    };
    const r = await runWizard(
      installArgs({
        platform: 'chatmail',
        domain: DOMAIN,
        email: 'admin@example.org',
        repo,
        args: ['--ignore-check', 'cgroups-v2', ...(held ? ['--ignore-check', 'ports'] : [])],
      }),
      env,
    );
    if (r.code !== 0) throw new Error(`install failed: ${r.stderr}`);
  }, 150_000);

  afterAll(() => {
    try {
      compose('down', '--volumes', '--remove-orphans', '--timeout', '5');
    } catch {
      // nothing was started
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('a healthy relay: every service active, the container healthy; only the checks through its .test domain fail', async () => {
    const { code, report } = await doctor();
    expect(faults(report)).toEqual([]);
    expect(byId(report, 'public')).toMatchObject({
      severity: 'fail',
      evidence: expect.stringMatching(
        new RegExp(`^https://${DOMAIN}/: getaddrinfo (ENOTFOUND|EAI_AGAIN) ${DOMAIN}$`),
      ),
      remedy: `Check that DNS points ${DOMAIN} at this server and the firewall (80/443); it serves HTTPS itself: wizard logs chatmail --tail 100`,
    });
    // The relay gets its certificate itself: the remedy is its log, not the shared proxy's.
    expect(byId(report, 'certificate')).toMatchObject({
      severity: 'fail',
      remedy: 'Read the log of the certificate request: wizard logs chatmail --tail 100',
    });
    expect(code).toBe(2);
    expect(byId(report, 'chatmail.services')).toMatchObject({
      severity: 'ok',
      evidence: `${UNITS.length} services active`,
    });
    expect(byId(report, 'container.chatmail')?.severity).toBe('ok');
    expect(byId(report, 'readiness')).toMatchObject({
      severity: 'ok',
      evidence: "the chatmail container's health check answers",
    });
    expect(byId(report, 'secret-modes')).toMatchObject({ severity: 'ok' });
    const warnings = report.findings.filter((f) => f.severity === 'warn');
    for (const w of warnings) expect(w.id, w.evidence).toMatch(/^(chatmail\.dns|readiness\.|host\.|disk\.)/);
    expect(
      mine(report)
        .filter((f) => f.id === 'chatmail.dns')
        .every((f) => f.severity === 'warn' && f.remedy),
    ).toBe(true);
  });

  it('services stopped inside the container: named with their state, exit 2; the remedy restarts them and the relay is healthy again', async () => {
    compose('exec', '-T', 'chatmail', 'systemctl', 'stop', 'dovecot', 'filtermail-transport');
    const { code, report } = await doctor();
    expect(code).toBe(2);
    expect(faults(report).map((f) => f.id)).toEqual(['chatmail.services']);
    const services = byId(report, 'chatmail.services');
    expect(services).toMatchObject({
      severity: 'fail',
      evidence: 'dovecot is inactive, filtermail-transport is inactive',
    });
    expect(services?.remedy).toBe(
      `cd ${dataDir()} && docker compose exec chatmail systemctl restart dovecot filtermail-transport; why: docker compose exec chatmail journalctl -u dovecot -n 50`,
    );
    // The relay's own health check fails too, a few intervals later.
    await waitFor(() => health() === 'unhealthy');
    const later = await doctor();
    expect(faults(later.report).map((f) => f.id)).toEqual([
      'container.chatmail',
      'readiness',
      'chatmail.services',
    ]);
    expect(byId(later.report, 'container.chatmail')?.evidence).toBe('running but unhealthy');

    compose('exec', '-T', 'chatmail', 'systemctl', 'restart', 'dovecot', 'filtermail-transport');
    await waitFor(() => health() === 'healthy');
    const after = await doctor();
    expect(faults(after.report)).toEqual([]);
    expect(byId(after.report, 'chatmail.services')?.severity).toBe('ok');
  }, 120_000);

  it('the container stopped: named with exit 2; --fix starts it and its health check turns healthy', async () => {
    compose('stop', 'chatmail');
    const { code, report } = await doctor();
    expect(code).toBe(2);
    expect(faults(report).map((f) => f.id)).toEqual(['container.chatmail', 'readiness']);
    expect(byId(report, 'container.chatmail')).toMatchObject({
      severity: 'fail',
      evidence: expect.stringMatching(/^exited, exit code \d+$/),
      remedy: `cd ${dataDir()} && docker compose up -d`,
      fix: 'start chatmail',
    });
    // systemctl cannot be asked in a stopped container: a warning, the container finding says why.
    expect(byId(report, 'chatmail.services')).toMatchObject({
      severity: 'warn',
      remedy: 'wizard logs chatmail chatmail --tail 100',
    });
    const fixed = await doctor('--fix');
    expect(fixed.report.fixed).toEqual([
      'started the containers of chatmail',
      'chatmail: its health check decides when it is ready (wizard doctor again in a few minutes)',
    ]);
    expect(byId(fixed.report, 'container.chatmail')?.severity).not.toBe('fail');
    await waitFor(() => health() === 'healthy', 90_000);
    const after = await doctor();
    expect(faults(after.report)).toEqual([]);
  }, 150_000);

  it('--bundle holds neither the DKIM private key nor the ACME email', async () => {
    const { file, dir, files, stderr } = await unpackedBundle('chatmail', root, env);
    expect(stderr).toContain('chatmail/compose-config.yml');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(files.map((f) => f.name)).toEqual(
      expect.arrayContaining(['findings.json', 'compose-config.yml', 'container-logs.txt']),
    );
    // The relay's generated secret lives in its dkim volume.
    const key = compose('exec', '-T', 'chatmail', 'cat', '/etc/dkimkeys/opendkim.private');
    // PKCS#1 holds the public modulus first (its first ~6 lines, also in the DKIM record the bundle may show);
    // the lines after it hold the private exponent and primes.
    expect(key).toContain('-----BEGIN RSA PRIVATE KEY-----');
    const keyLines = key
      .split('\n')
      .filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l))
      .slice(8);
    expect(keyLines.length).toBeGreaterThan(10);
    for (const { name, text } of files) {
      expect(text, name).not.toContain('PRIVATE KEY');
      for (const l of keyLines) expect(text, name).not.toContain(l);
      expect(text, name).not.toContain('admin@example.org');
    }
    // compose config prints ACME_EMAIL: it is there, replaced.
    expect(readFileSync(join(dir, 'chatmail/compose-config.yml'), 'utf8')).toMatch(/ACME_EMAIL: '?\[email\]/);
  });
});
