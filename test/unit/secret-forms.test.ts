import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import type { Deps } from '../../src/commands/deps.js';
import { doctorCommand } from '../../src/commands/doctor.js';
import { installCommand } from '../../src/commands/install.js';
import type { HostProbe } from '../../src/core/checks.js';
import type { HttpClient } from '../../src/core/context.js';
import { parseEnv, setEnv } from '../../src/core/envfile.js';
import { isWizardError } from '../../src/core/errors.js';
import { templateLoader } from '../../src/system/assets.js';
import { buildEnvironment } from '../../src/system/environment.js';
import { RealFileStore } from '../../src/system/files.js';
import { FileLogger } from '../../src/system/log.js';
import { StateStore } from '../../src/system/state.js';
import { platforms } from '../../steps/index.js';
import { FakeRunner } from '../helpers/fake-runner.js';

/**
 * The secret-forms property: random secrets (quotes, backslashes, $, %, unicode, spaces) go through an install
 * (fake runner, real files, the real log), `doctor --json` and `doctor --bundle`; none of their forms (raw,
 * JSON-escaped, URL-encoded, shell-quoted) is found in any log file, on stderr, in the JSON or in the bundle.
 * The forms are computed here, independently of src/core/redact.ts.
 */

/** The forms a secret takes on the way out, as a reader would search for them. */
function forms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  return [
    ...new Set([
      secret,
      json,
      JSON.stringify(json).slice(1, -1),
      encodeURIComponent(secret),
      new URLSearchParams({ v: secret }).toString().slice(2),
      `'${secret.replace(/'/g, `'\\''`)}'`,
      secret.replace(/'/g, `'\\''`),
    ]),
  ];
}

function leaks(where: string, text: string, secrets: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [name, s] of Object.entries(secrets))
    for (const f of forms(s)) if (text.includes(f)) found.push(`${name} as ${JSON.stringify(f)} in ${where}`);
  return found;
}

/** What an env file can carry (a value mixing quotes with $ or \ can't be written; that refusal has its own test). */
const carriable = (v: string) => (!v.includes("'") && !v.endsWith('\\')) || !/["\\$`]/.test(v);

/** A secret with a random core and the characters that break naive redaction. */
const secret = fc
  .tuple(
    fc.stringMatching(/^[A-Za-z0-9]{8}$/),
    fc.array(
      fc.constantFrom(
        '"',
        '\\',
        '$',
        '%',
        "'",
        ' ',
        '&',
        '=',
        '+',
        '/',
        '?',
        '#',
        '@',
        ':',
        'é',
        '€',
        '😀',
        '`',
        '{',
        '}',
        '\t',
      ),
      { minLength: 1, maxLength: 6 },
    ),
    fc.stringMatching(/^[a-z0-9]{0,4}$/),
  )
  .map(([core, specials, tail]) => {
    const mid = Math.floor(core.length / 2);
    return `${core.slice(0, mid)}${specials.join('')}${core.slice(mid)}${tail}`;
  });

function captured(): NodeJS.WriteStream & { text: () => string } {
  const s = new PassThrough() as unknown as NodeJS.WriteStream & { text: () => string };
  let buf = '';
  s.on('data', (c: Buffer) => {
    buf += c.toString();
  });
  s.text = () => buf;
  return s;
}

const probe: HostProbe = {
  osRelease: async () => ({ ID: 'ubuntu', VERSION_ID: '24.04', PRETTY_NAME: 'Ubuntu 24.04 LTS' }),
  arch: () => 'x64',
  uid: () => 0,
  memoryMiB: () => 16_384,
  diskFreeGiB: async () => 200,
  portHolder: async () => undefined,
  dockerServerVersion: async () => ({ version: '27.3.1' }),
  composeVersion: async () => '2.29.7',
  cgroupV2: async () => true,
  gitVersion: async () => '2.43.0',
  resolve: async () => ({ a: ['192.0.2.10'], aaaa: [] }),
  publicAddresses: async () => ['192.0.2.10'],
};

/** Mattermost's API as the stand-in answers it: ready, sign-up of the first user, login. */
function mattermostApi(): HttpClient {
  return {
    async request(url, o = {}) {
      if (url.endsWith('/api/v4/system/ping'))
        return { status: 200, body: '{"status":"OK"}', headers: { 'x-version-id': '11.7.15.1.abc.false' } };
      if (url.endsWith('/api/v4/users') && o.method === 'POST') {
        const body = JSON.parse(o.body ?? '{}');
        return {
          status: 201,
          body: JSON.stringify({ id: 'u1', username: body.username, roles: 'system_admin system_user' }),
        };
      }
      if (url.endsWith('/api/v4/users/login')) return { status: 200, body: '{"id":"u1"}' };
      throw new Error(`unexpected ${url}`);
    },
  };
}

/** Runs an install of Mattermost whose .env already holds the given secrets, then doctor --json --bundle. */
async function installThenDoctor(s: { postgres: string; admin: string; token: string }) {
  const root = mkdtempSync(join(tmpdir(), 'wizard-secrets-'));
  try {
    const env = buildEnvironment(
      { WIZARD_ROOT: root, WIZARD_POLL_MS: '10', WIZARD_READY_TIMEOUT: '5' },
      { stdin: false, stderr: false },
    );
    const files = new RealFileStore(env.hostPath);
    const dataDir = join(root, 'opt/mattermost');
    mkdirSync(dataDir, { recursive: true });
    // A re-run over an install whose .env holds these secrets (the wizard keeps existing secrets).
    writeFileSync(
      join(dataDir, '.env'),
      setEnv('', { POSTGRES_PASSWORD: s.postgres, ADMIN_PASSWORD: s.admin }),
      { mode: 0o600 },
    );
    // The state records that earlier run, so the folder is this wizard's (a folder of someone else's is refused).
    const now = new Date().toISOString();
    await new StateStore(env.stateDir).put({
      name: 'mattermost',
      platform: 'mattermost',
      domain: 'chat.example.com',
      email: 'admin@example.com',
      dataDir: '/opt/mattermost',
      release: '11.7.15',
      tls: 'none',
      port: 8065,
      repoUrl: '',
      project: 'mattermost',
      composeFiles: [],
      status: 'failed',
      journal: {},
      createdAt: now,
      updatedAt: now,
    });
    const envValues = () => parseEnv(readFileSync(join(dataDir, '.env'), 'utf8')).values;
    const logLine = () => {
      const v = envValues();
      return `mattermost-1  | {"level":"error","msg":"No space left on device","dsn":${JSON.stringify(v.MM_SQLSETTINGS_DATASOURCE)},"admin":${JSON.stringify(v.ADMIN_PASSWORD)}}`;
    };
    const runner = new FakeRunner([
      { match: /^git clone /, effect: () => void mkdirSync(join(dataDir, '.git/info'), { recursive: true }) },
      {
        match: / mmctl --local user search admin$/,
        exitCode: 1,
        stderr: 'Error: 1 error occurred:\n\t* user admin not found',
      },
      { match: / ps --all --format json$/, effect: () => undefined, stdout: '' },
      {
        match: / config$/,
        effect: () => undefined,
      },
      {
        match: /^tar -czf /,
        effect: (cmd) => {
          const r = spawnSync('tar', cmd.args);
          if (r.status !== 0) throw new Error(String(r.stderr));
        },
      },
      { match: /.*/ },
    ]);
    // Compose's view of the project, with the environment it interpolated (docker compose config).
    const run = runner.run.bind(runner);
    runner.run = async (cmd, o) => {
      const r = await run(cmd, o);
      const line = [cmd.file, ...cmd.args].join(' ');
      if (/ config$/.test(line)) {
        const v = envValues();
        return {
          ...r,
          stdout: toYaml({
            services: {
              postgres: { environment: { POSTGRES_PASSWORD: v.POSTGRES_PASSWORD, POSTGRES_USER: 'mmuser' } },
              mattermost: { environment: { MM_SQLSETTINGS_DATASOURCE: v.MM_SQLSETTINGS_DATASOURCE } },
            },
          }),
        };
      }
      if (/ ps --all --format json$/.test(line))
        return {
          ...r,
          stdout: JSON.stringify({
            Service: 'mattermost',
            Name: 'mm-mattermost-1',
            State: 'running',
            Health: '',
          }),
        };
      if (/^docker inspect /.test(line)) {
        const v = envValues();
        return {
          ...r,
          stdout: JSON.stringify([
            {
              Name: '/mm-mattermost-1',
              RestartCount: 0,
              Config: { Env: [`MM_SQLSETTINGS_DATASOURCE=${v.MM_SQLSETTINGS_DATASOURCE}`] },
              State: { ExitCode: 0 },
            },
          ]),
        };
      }
      if (/ logs --no-color --tail 200$/.test(line)) return { ...r, stdout: logLine() };
      return r;
    };
    const term = (stdout = captured(), stderr = captured()) => ({
      stdin: process.stdin,
      stdout,
      stderr,
      interactive: false,
    });
    const deps = (command: string, t: ReturnType<typeof term>): Deps => ({
      env,
      term: t,
      runner,
      files,
      http: mattermostApi(),
      probe,
      log: new FileLogger(env.logDir, command),
      state: (() => {
        const st = new StateStore(env.stateDir);
        return () => st;
      })(),
      templates: templateLoader(),
      platforms,
      version: '0.0.0-test',
    });

    const install = term();
    const repoUrl = `https://wizard:${encodeURIComponent(s.token)}@git.example.com/mattermost/docker.git`;
    let installError = '';
    await installCommand(
      {
        platform: 'mattermost',
        domain: 'localhost',
        email: 'admin@example.com',
        tls: 'none',
        offline: true,
        yes: true,
        repoUrl,
      },
      deps('install', install),
    ).catch((e: Error) => {
      installError = isWizardError(e) ? `${e.message}\n${e.remedy ?? ''}` : String(e);
    });
    // Each argv the runner saw: no secret in any of them.
    const argv = runner.calls.join('\n');

    const doctor = term();
    const bundle = join(root, 'bundle.tar.gz');
    await doctorCommand({ json: true, bundle }, deps('doctor', doctor));
    const unpacked = join(root, 'unpacked');
    mkdirSync(unpacked);
    expect(spawnSync('tar', ['-xzf', bundle, '-C', unpacked]).status).toBe(0);
    const texts = (dir: string) =>
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => [join(d.parentPath, d.name), readFileSync(join(d.parentPath, d.name), 'utf8')] as const);
    return {
      installError,
      installed: readFileSync(join(dataDir, '.env'), 'utf8').includes('MM_SQLSETTINGS_DATASOURCE'),
      argv,
      installStderr: install.stderr.text(),
      installStdout: install.stdout.text(),
      doctorJson: doctor.stdout.text(),
      doctorStderr: doctor.stderr.text(),
      logs: texts(env.logDir),
      bundleFiles: texts(unpacked),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Mastodon with an SMTP password given as WIZARD_SMTP_PASSWORD, under --dry-run: what the log, stderr and an error hold. */
async function mastodonDryRun(smtpPassword: string) {
  const root = mkdtempSync(join(tmpdir(), 'wizard-secrets-'));
  try {
    const env = buildEnvironment(
      { WIZARD_ROOT: root, WIZARD_SMTP_PASSWORD: smtpPassword },
      { stdin: false, stderr: false },
    );
    const out = captured();
    const err = captured();
    const deps: Deps = {
      env,
      term: { stdin: process.stdin, stdout: out, stderr: err, interactive: false },
      runner: new FakeRunner([{ match: /.*/ }]),
      files: new RealFileStore(env.hostPath),
      http: mattermostApi(),
      probe,
      log: new FileLogger(env.logDir, 'install'),
      state: (() => {
        const st = new StateStore(env.stateDir);
        return () => st;
      })(),
      templates: templateLoader(),
      platforms,
      version: '0.0.0-test',
    };
    let error = '';
    await installCommand(
      {
        platform: 'mastodon',
        domain: 'social.example.com',
        email: 'admin@example.com',
        tls: 'none',
        smtpHost: 'smtp.example.com',
        dryRun: true,
      },
      deps,
    ).catch((e: Error) => {
      // As thrown, before the banner's redaction: the refusal itself never quotes the value.
      error = isWizardError(e) ? `${e.message}\n${e.remedy ?? ''}` : String(e);
    });
    // Bad input leaves no log at all.
    const logs = existsSync(env.logDir)
      ? readdirSync(env.logDir).map((f) => readFileSync(join(env.logDir, f), 'utf8'))
      : [];
    return { error, stderr: err.text(), stdout: out.text(), logs };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('secret forms never leave the wizard (property)', () => {
  it('an SMTP password of any shape: not in the log (once logged as JSON), the review, or an error', async () => {
    await fc.assert(
      fc.asyncProperty(secret, async (password) => {
        const r = await mastodonDryRun(password);
        // A value no env file can carry is refused, and the refusal does not quote it.
        if (!carriable(password)) expect(r.error).toContain('The value of --smtp-password');
        else expect(r.error).toBe('');
        const found = [
          ...leaks('error', r.error, { password }),
          ...leaks('stderr', r.stderr, { password }),
          ...leaks('stdout', r.stdout, { password }),
          ...r.logs.flatMap((t, i) => leaks(`log ${i}`, t, { password })),
        ];
        expect(found).toEqual([]);
        if (carriable(password)) expect(r.stderr).toMatch(/SMTP password\s+set \(not shown\)/);
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('install, doctor --json and doctor --bundle hold no form of any secret', async () => {
    await fc.assert(
      fc.asyncProperty(
        secret.filter(carriable),
        secret.filter(carriable),
        secret,
        async (postgres, admin, token) => {
          const out = await installThenDoctor({ postgres, admin, token });
          const all = { postgres, admin, token };
          expect(out.installError).toBe('');
          expect(out.installed).toBe(true);
          const found = [
            ...leaks('argv', out.argv, all),
            ...leaks('install stderr', out.installStderr, all),
            // The summary shows the first admin's password once, on purpose; nothing else.
            ...leaks('install stdout', out.installStdout, { postgres, token }),
            ...leaks('doctor --json', out.doctorJson, all),
            ...leaks('doctor stderr', out.doctorStderr, all),
            ...out.logs.flatMap(([p, t]) => leaks(p, t, all)),
            ...out.bundleFiles.flatMap(([p, t]) => leaks(`bundle ${p}`, t, all)),
          ];
          expect(found).toEqual([]);
          // The bundle is not empty of what matters: the config and the logs are there, redacted.
          const config = out.bundleFiles.find(([p]) => p.endsWith('compose-config.yml'))?.[1] ?? '';
          expect(config).toContain('MM_SQLSETTINGS_DATASOURCE');
          expect(config).toContain('[redacted]');
          expect(
            JSON.parse(out.doctorJson).findings.some((f: { id: string }) => f.id === 'log.disk-full'),
          ).toBe(true);
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);
});
