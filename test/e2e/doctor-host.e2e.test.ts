import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2eInstall, e2eInstall, removeE2eInstall } from './helpers/install.js';
import { runWizard } from './helpers/wizard.js';

interface Finding {
  id: string;
  severity: string;
  title: string;
  evidence: string;
  remedy?: string;
  install?: string;
}
interface Report {
  findings: Finding[];
  exitCode: number;
}

/** A time reference on 127.0.0.1: its Date header is `offsetMs` off the real clock, or it never answers. */
async function timeServer(offsetMs: number | 'hang'): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    if (offsetMs === 'hang') return;
    res.sendDate = false;
    res
      .writeHead(200, {
        'content-type': 'application/json',
        date: new Date(Date.now() + offsetMs).toUTCString(),
      })
      .end('{"newNonce":"x"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/directory`, server };
}

/** Doctor's host checks (clock skew, kernel) on a host with a real Mattermost stand-in install. */
describe('wizard doctor: clock and kernel', () => {
  let install: E2eInstall | undefined;
  let root = '';
  let env: Record<string, string> = {};
  const servers: Server[] = [];
  const doctor = async (extra: Record<string, string>, ...args: string[]) => {
    const r = await runWizard(['doctor', ...args], { ...env, ...extra });
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  };
  const json = async (extra: Record<string, string>) => {
    const r = await doctor(extra, '--json');
    const report = JSON.parse(r.stdout) as Report;
    return { code: r.code, report, find: (id: string) => report.findings.find((f) => f.id === id) };
  };
  const reference = async (offset: number | 'hang') => {
    const t = await timeServer(offset);
    servers.push(t.server);
    return t.url;
  };

  beforeAll(async () => {
    install = await e2eInstall({
      prefix: 'wizard-doctor-host-',
      platform: 'mattermost',
      env: { WIZARD_READY_TIMEOUT: '120' },
    });
    ({ root, env } = install);
  }, 240_000);

  afterAll(() => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    removeE2eInstall(install);
  });

  it('a reference 10 minutes ahead: the clock finding fails with evidence and remedy, exit 2', async () => {
    const { code, report, find } = await json({ WIZARD_TIME_URL: await reference(600_000) });
    expect(find('host.clock')).toMatchObject({
      severity: 'fail',
      title: 'Clock',
      remedy: expect.stringContaining('timedatectl set-ntp true'),
    });
    expect(find('host.clock')?.evidence).toMatch(
      /^this clock is (?:9 min 5[0-9]|10 min [0-9]+) s behind 127\.0\.0\.1:[0-9]+ \(±[0-9.]+ s\): two-factor \(TOTP\) codes are refused/,
    );
    // The install itself is healthy: the clock alone makes it exit 2.
    expect(report.findings.filter((f) => f.severity === 'fail').map((f) => f.id)).toEqual(['host.clock']);
    expect(code).toBe(2);
    expect(report.exitCode).toBe(2);
  });

  it('the text report names it and the remedy', async () => {
    const { code, stdout } = await doctor({ WIZARD_TIME_URL: await reference(-600_000) });
    expect(code).toBe(2);
    expect(stdout).toMatch(/Clock +this clock is (?:9 min 5[0-9]|10 min [0-9]+) s ahead of 127\.0\.0\.1/);
    expect(stdout).toContain('timedatectl set-ntp true');
  });

  it('with the real clock: no clock problem, and no failure at all', async () => {
    const { code, report, find } = await json({ WIZARD_TIME_URL: await reference(0) });
    expect(find('host.clock')).toMatchObject({
      severity: 'ok',
      evidence: expect.stringMatching(/^within [0-9]+ s of 127\.0\.0\.1:/),
    });
    expect(report.findings.filter((f) => f.severity === 'fail')).toEqual([]);
    expect(code).toBe(report.findings.some((f) => f.severity === 'warn') ? 1 : 0);
  });

  it('a reference that never answers: skew not measured, not a problem', async () => {
    const url = await reference('hang');
    const { report, find } = await json({ WIZARD_TIME_URL: url });
    expect(find('host.clock')).toMatchObject({
      severity: 'ok',
      evidence: expect.stringMatching(/^skew not measured \(127\.0\.0\.1:[0-9]+: timed out\)/),
    });
    expect(report.findings.filter((f) => f.severity === 'fail')).toEqual([]);
  });

  it('a Debian 6.1.64 kernel (recorded under WIZARD_ROOT/proc): the ext4 corruption fails, exit 2', async () => {
    const proc = join(root, 'proc/sys/kernel');
    mkdirSync(proc, { recursive: true });
    writeFileSync(join(proc, 'osrelease'), '6.1.0-14-amd64\n');
    writeFileSync(join(proc, 'version'), '#1 SMP PREEMPT_DYNAMIC Debian 6.1.64-1 (2023-11-30)\n');
    try {
      const { code, find } = await json({ WIZARD_TIME_URL: await reference(0) });
      expect(find('host.kernel')).toMatchObject({
        severity: 'fail',
        title: 'Kernel',
        remedy: expect.stringContaining('6.1.66'),
      });
      expect(find('host.kernel')?.evidence).toMatch(
        /^Linux 6\.1\.64 \(uname -v\): ext4 data corruption.*bug=1057843/,
      );
      expect(code).toBe(2);
    } finally {
      rmSync(join(root, 'proc'), { recursive: true, force: true });
    }
    const after = await json({ WIZARD_TIME_URL: await reference(0) });
    expect(after.find('host.kernel')?.severity).not.toBe('fail');
  });
});
