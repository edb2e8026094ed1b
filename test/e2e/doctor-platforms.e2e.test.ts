import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv, setEnv } from '../../src/core/envfile.js';
import { waitFor } from './helpers/doctor.js';
import { type E2eInstall, e2eInstall, removeE2eInstall } from './helpers/install.js';
import { runWizard } from './helpers/wizard.js';

interface Report {
  findings: {
    id: string;
    severity: string;
    title: string;
    evidence: string;
    remedy?: string;
    install?: string;
  }[];
  fixed: string[];
  exitCode: number;
}

/** Mattermost's own doctor checks, with faults injected into a real stand-in install. */
describe('wizard doctor on a real Mattermost install', () => {
  let root = '';
  let install: E2eInstall | undefined;
  let port = 0;
  let env: Record<string, string> = {};
  const dataDir = () => join(root, 'opt/mattermost');
  const envPath = () => join(dataDir(), '.env');
  const configDir = () => join(dataDir(), 'volumes/app/mattermost/config');
  // The .env names the project and the compose files (COMPOSE_PROJECT_NAME, COMPOSE_FILE).
  const compose = (...a: string[]) =>
    execFileSync('docker', ['compose', ...a], {
      cwd: dataDir(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const doctor = async (...extra: string[]) => {
    const r = await runWizard(['doctor', 'mattermost', '--json', ...extra], env);
    return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
  };
  const problems = (r: Report) =>
    r.findings.filter((f) => f.severity === 'fail' && f.install === 'mattermost');

  beforeAll(async () => {
    install = await e2eInstall({
      prefix: 'wizard-doctor-mm-',
      platform: 'mattermost',
      env: { WIZARD_READY_TIMEOUT: '120' },
    });
    ({ root, port, env } = install);
  });

  afterAll(() => removeE2eInstall(install));

  it("a healthy install: no failure; SiteURL and the volumes' owner are checked", async () => {
    const { report } = await doctor();
    expect(problems(report)).toEqual([]);
    const ok = Object.fromEntries(
      report.findings.filter((f) => f.install === 'mattermost').map((f) => [f.id, f]),
    );
    expect(ok['mattermost.site-url']).toMatchObject({ severity: 'ok', evidence: `http://localhost:${port}` });
    expect(ok.ownership).toMatchObject({ severity: 'ok' });
    expect(ok.readiness?.evidence).toMatch(/answers \(version 11\.7\.15\)/);
    expect(ok.ports).toMatchObject({ severity: 'ok', evidence: `${port} (docker-proxy)` });
  });

  it('another program on the app port while Mattermost is stopped: named with its pid, exit 2', async () => {
    compose('stop', '--timeout', '2', 'mattermost');
    const squatter = spawn(
      process.execPath,
      [
        '-e',
        `require('node:http').createServer((q, s) => s.end('not mattermost')).listen(${port}, '127.0.0.1')`,
      ],
      { stdio: 'ignore' },
    );
    try {
      await waitFor(() => {
        try {
          execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).trim() ||
            (() => {
              throw new Error('not yet');
            })();
          return true;
        } catch {
          return false;
        }
      }, 10_000);
      const { code, report } = await doctor();
      expect(code).toBe(2);
      const ports = problems(report).find((f) => f.id === 'ports');
      expect(ports?.evidence).toBe(
        `${port} is held by node (pid ${squatter.pid}), not by this install's containers`,
      );
      expect(ports?.remedy).toMatch(
        new RegExp(`^Stop the process \\(kill ${squatter.pid}\\) or give the install another port`),
      );
    } finally {
      squatter.kill();
      await new Promise((r) => setTimeout(r, 300));
      compose('start', 'mattermost');
    }
    await waitFor(() => {
      try {
        execFileSync('curl', ['-fsS', `http://127.0.0.1:${port}/api/v4/system/ping`], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    });
  });

  it('config folder owned by root: permission denied is named, exit 2; --fix chowns it back and it answers again', async () => {
    execFileSync('chown', ['-R', '0:0', configDir()]);
    compose('restart', 'mattermost');
    await waitFor(() =>
      /config\.json: permission denied/.test(compose('logs', '--no-color', '--since', '60s', 'mattermost')),
    );
    const { code, report } = await doctor();
    expect(code).toBe(2);
    const ids = problems(report).map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(['ownership', 'mattermost.config-permission']));
    expect(problems(report).find((f) => f.id === 'ownership')?.evidence).toBe(
      `${configDir()} is owned by 0:0, the container's user is 2000:2000`,
    );
    expect(problems(report).find((f) => f.id === 'mattermost.config-permission')?.remedy).toContain(
      'chown -R -P --no-dereference 2000:2000 volumes/app/mattermost/config',
    );

    const fixed = await doctor('--fix');
    expect(fixed.report.fixed).toEqual(
      expect.arrayContaining([
        `chown -R 2000:2000 ${configDir()}`,
        expect.stringMatching(/^mattermost answers again/),
      ]),
    );
    expect(problems(fixed.report)).toEqual([]);
    expect(statSync(join(configDir(), 'config.json')).uid).toBe(2000);
    const ping = await fetch(`http://127.0.0.1:${port}/api/v4/system/ping`);
    expect(ping.status).toBe(200);
  }, 150_000);

  it('a wrong SiteURL: named with the expected value', async () => {
    const before = readFileSync(envPath(), 'utf8');
    try {
      writeFileSync(envPath(), setEnv(before, { MM_SERVICESETTINGS_SITEURL: 'https://wrong.example.com' }));
      const { code, report } = await doctor();
      expect(code).toBe(2);
      expect(problems(report).find((p) => p.id === 'mattermost.site-url')?.evidence).toBe(
        `MM_SERVICESETTINGS_SITEURL is https://wrong.example.com in ${envPath()}, but the install serves http://localhost:${port}`,
      );
    } finally {
      writeFileSync(envPath(), before);
    }
  });

  it('--bundle holds no generated secret and no email address', async () => {
    const out = join(mkdtempSync(join(root, 'b-')), 'report.tar.gz');
    const r = await runWizard(['doctor', 'mattermost', '--bundle', out], env);
    expect(r.stderr).toContain('mattermost/compose-config.yml');
    const dir = mkdtempSync(join(root, 'x-'));
    execFileSync('tar', ['-xzf', out, '-C', dir]);
    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
    const v = parseEnv(readFileSync(envPath(), 'utf8')).values;
    const secrets = [v.POSTGRES_PASSWORD, v.ADMIN_PASSWORD, v.MM_SQLSETTINGS_DATASOURCE].map((s) => s ?? '');
    for (const s of secrets) expect(s.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readFileSync(join(f.parentPath, f.name), 'utf8');
      for (const s of secrets) expect(text, f.name).not.toContain(s);
      expect(text, f.name).not.toContain('admin@example.com');
    }
    expect(readFileSync(join(dir, 'mattermost/compose-config.yml'), 'utf8')).toContain('[redacted]');
  });

  it('--bundle and --json hold no form of a secret with quotes, backslashes, $, % and unicode', async () => {
    // The database password as Compose reads it for `docker compose config` (the containers are not restarted).
    const tricky = `Tr"ck\\y$HOME%41 é€😀 p@ss/w?rd#x`;
    // Raw, JSON-escaped (once, twice), URL-encoded, shell-quoted; and as `docker compose config` writes it: `$` as
    // `$$`, in YAML's double quotes (\U0001F600 for the emoji).
    const forms = (v: string) =>
      [v, v.replace(/\$/g, '$$$$')].flatMap((b) => {
        const json = JSON.stringify(b).slice(1, -1);
        return [
          b,
          json,
          JSON.stringify(json).slice(1, -1),
          json.replace(/\u{1F600}/gu, '\\U0001F600'),
          encodeURIComponent(b),
          `'${b.replace(/'/g, `'\\''`)}'`,
        ];
      });
    const before = readFileSync(envPath(), 'utf8');
    try {
      writeFileSync(
        envPath(),
        setEnv(before, {
          POSTGRES_PASSWORD: tricky,
          MM_SQLSETTINGS_DATASOURCE: `postgres://mmuser:${encodeURIComponent(tricky)}@postgres:5432/mattermost?sslmode=disable&connect_timeout=10`,
        }),
        { mode: 0o600 },
      );
      const out = join(mkdtempSync(join(root, 'b-')), 'report.tar.gz');
      const r = await runWizard(['doctor', 'mattermost', '--json', '--bundle', out], env);
      const dir = mkdtempSync(join(root, 'x-'));
      execFileSync('tar', ['-xzf', out, '-C', dir]);
      const texts = [
        ['--json', r.stdout],
        ['stderr', r.stderr],
        ...readdirSync(dir, { recursive: true, withFileTypes: true })
          .filter((d) => d.isFile())
          .map((d) => [d.name, readFileSync(join(d.parentPath, d.name), 'utf8')]),
      ] as [string, string][];
      const config = texts.find(([n]) => n === 'compose-config.yml')?.[1] ?? '';
      expect(config).toMatch(/POSTGRES_PASSWORD: .*\[redacted\]/);
      expect(config).toMatch(/MM_SQLSETTINGS_DATASOURCE: .*\[redacted\]/);
      for (const [name, text] of texts)
        for (const f of forms(tricky))
          expect(text.includes(f), `${JSON.stringify(f)} in ${name}`).toBe(false);
    } finally {
      writeFileSync(envPath(), before, { mode: 0o600 });
    }
  });
});
