import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { checkIds } from '../../src/commands/install/answers.js';
import { buildPlan } from '../../src/commands/plan.js';
import {
  answersFromEnv,
  MAX_ANSWER_LENGTH,
  parseAnswersFile,
  parseBoolean,
  resolveAnswers,
  withDefaults,
} from '../../src/core/answers.js';
import { validateDomain } from '../../src/core/domain.js';
import { parseEnv, quoteEnvValue, setEnv } from '../../src/core/envfile.js';
import { UserError } from '../../src/core/errors.js';
import type { Platform } from '../../src/core/platform.js';
import { templateLoader } from '../../src/system/assets.js';
import { buildEnvironment } from '../../src/system/environment.js';
import { RealFileStore } from '../../src/system/files.js';
import { findPlatform, platforms } from '../../steps/index.js';
import { tmpRoot } from '../helpers/tmp.js';

const base = { platform: 'rocketchat', domain: 'chat.example.com', email: 'admin@example.com' };
const errorsOf = (...sources: Record<string, unknown>[]) =>
  resolveAnswers([...sources, base], platforms, { checkIds: checkIds(platforms) }).errors;

describe('domains: numeric and shortened IP forms', () => {
  it.each(['0x7f000001', '2130706433', '127.1', '0177.0.0.1', '0x7f.0x0.0x0.0x1', '1.2.3'])(
    'refuses %s, with Let’s Encrypt and with --tls none',
    (d) => {
      for (const allowLocal of [false, true]) {
        const v = validateDomain(d, { allowLocal });
        expect(v.ok).toBe(false);
        if (!v.ok) expect(v.error).toContain('is an IP address written as a number or in a shortened form');
      }
      expect(errorsOf({ domain: d }).map((e) => e.key)).toEqual(['domain']);
    },
  );

  it('still takes an address in its dotted form with --tls none', () => {
    expect(validateDomain('127.0.0.1', { allowLocal: true })).toEqual({ ok: true, value: '127.0.0.1' });
  });
});

describe('booleans, strictly', () => {
  it.each([
    ['1', true],
    ['0', false],
    ['TRUE', true],
    ['false', false],
    ['yes', true],
    ['No', false],
    ['on', true],
    ['off', false],
  ])('reads %s as %s', (v, b) => {
    expect(parseBoolean(v)).toBe(b);
    expect(resolveAnswers([answersFromEnv({ WIZARD_YES: v })], platforms).yes).toBe(b);
  });

  it.each(['n', 'y', 'maybe', '2', 'yes please', ''])('refuses WIZARD_YES=%j (it was read as yes)', (v) => {
    const r = resolveAnswers([{ yes: v }], platforms);
    if (v === '') return expect(r.yes).toBe(false);
    expect(r.yes).toBe(false);
    expect(r.errors).toEqual([
      {
        key: 'yes',
        error: `"${v}" is not a yes/no value for --yes (WIZARD_YES).`,
        remedy: 'Use one of 1/0, true/false, yes/no, on/off.',
      },
    ]);
  });

  it('reads offline: "yes" in an answers file as true (it was false), and refuses offline: maybe', () => {
    const file = parseAnswersFile('offline: "yes"\n', 'a.yml', parseYaml);
    expect(resolveAnswers([file, base], platforms).answers.offline).toBe(true);
    const json = parseAnswersFile('{"offline": 1, "dry-run": "on"}', 'a.json', parseYaml);
    const r = resolveAnswers([json, base], platforms);
    expect(r.answers.offline).toBe(true);
    expect(r.dryRun).toBe(true);
    expect(errorsOf(parseAnswersFile('offline: maybe\n', 'a.yml', parseYaml))[0]?.error).toContain(
      'is not a yes/no value for --offline',
    );
  });
});

describe('length caps', () => {
  it('refuses an over-long answer by its length, never quoting it', () => {
    const long = `s3cret-${'x'.repeat(MAX_ANSWER_LENGTH)}`;
    for (const key of ['domain', 'repoUrl', 'dataDir', 'name', 'email']) {
      const errors = errorsOf({ [key]: long });
      expect(errors).toHaveLength(1);
      expect(errors[0]?.error).toMatch(/is \d+ characters long; the longest accepted is 1024/);
      expect(JSON.stringify(errors)).not.toContain('s3cret');
    }
    const smtp = resolveAnswers(
      [{ platform: 'mastodon', smtpHost: 'smtp.example.com', smtpPassword: long }],
      platforms,
    );
    expect(smtp.errors.map((e) => e.key)).toEqual(['smtpPassword']);
    expect(JSON.stringify(smtp.errors)).not.toContain('s3cret');
  });
});

describe('--ignore-check ids', () => {
  it('takes the ids of real checks (host, install, readiness, platform) and refuses others', () => {
    expect(errorsOf({ ignoreCheck: ['docker', 'ports', 'dns', 'firewall', 'caa', 'proxy'] })).toEqual([]);
    expect(errorsOf(answersFromEnv({ WIZARD_IGNORE_CHECK: 'docker,bogus' }))).toEqual([
      expect.objectContaining({ key: 'ignoreCheck', error: '"bogus" is not a check the wizard runs.' }),
    ]);
    expect(errorsOf({ ignoreCheck: 'bogus' })[0]?.remedy).toMatch(/^Check ids: .*docker.*ports/);
  });
});

describe('the app port', () => {
  it.each([22, 80, 443, 1023])('refuses %i, as the remedy says (1024-65535)', (port) => {
    for (const tls of ['letsencrypt', 'none']) {
      const errors = errorsOf({ port, tls });
      expect(errors.map((e) => e.key)).toEqual(['port']);
      expect(errors[0]?.remedy).toMatch(/1024 to 65535|another app port/);
    }
  });
  it('takes 1024 and 65535', () => {
    expect(errorsOf({ port: 1024 })).toEqual([]);
    expect(errorsOf({ port: '65535' })).toEqual([]);
  });
});

describe('values an env file can not carry', () => {
  it('are refused without quoting the value (it may be a password)', () => {
    const pw = `it's "$HOME" \\`;
    expect(() => quoteEnvValue(pw, 'SMTP_PASSWORD')).toThrow(UserError);
    try {
      setEnv('', { SMTP_PASSWORD: pw });
    } catch (e) {
      expect((e as Error).message).toContain('The value of SMTP_PASSWORD mixes quotes');
      expect((e as Error).message).not.toContain('HOME');
    }
    const r = resolveAnswers(
      [{ platform: 'mastodon', smtpHost: 'smtp.example.com', smtpPassword: pw }],
      platforms,
    );
    expect(r.errors.map((e) => e.key)).toEqual(['smtpPassword']);
    expect(r.errors[0]?.error).toContain('The value of --smtp-password mixes quotes');
    expect(JSON.stringify(r.errors)).not.toContain('HOME');
  });
});

describe('numeric env vars', () => {
  const tty = { stdin: false, stderr: false };
  it.each([
    ['WIZARD_READY_TIMEOUT', 'abc'],
    ['WIZARD_READY_TIMEOUT', '-5'],
    ['WIZARD_READY_TIMEOUT', '1e3'],
    ['WIZARD_POLL_MS', 'fast'],
    ['WIZARD_POLL_MS', '0'],
  ])('%s=%s is bad input with a remedy', (name, v) => {
    expect(() => buildEnvironment({ [name]: v }, tty)).toThrow(UserError);
    try {
      buildEnvironment({ [name]: v }, tty);
    } catch (e) {
      expect((e as UserError).message).toContain(`${name}="${v}" is not a whole number`);
      expect((e as UserError).remedy).toContain(`Set ${name} to a number`);
    }
  });
  it('takes whole numbers and an empty value', () => {
    const env = buildEnvironment({ WIZARD_READY_TIMEOUT: '90', WIZARD_POLL_MS: '' }, tty);
    expect(env.readyTimeoutSeconds).toBe(90);
    expect(env.pollIntervalMs).toBe(2000);
  });
});

/** What Compose would expand (a dollar sign and HOME in braces). */
const HOME = ['$', '{HOME}'].join('');

describe('values in files Compose interpolates keep `$` literal', () => {
  it("the proxy's env file quotes the email (a$HOME in braces became a/root@example.com)", async () => {
    const root = tmpRoot();
    const platform = findPlatform('rocketchat') as Platform;
    const answers = withDefaults({ ...base, email: `a${HOME}@example.com`, extra: {} }, platform);
    const { plan } = await buildPlan(platform, answers, {
      files: new RealFileStore((p) => `${root}${p}`),
      templates: templateLoader(),
      hostPath: (p) => `${root}${p}`,
      project: 'rc',
      proxyProject: 'proxy',
    });
    const proxyEnv = plan.files.find((f) => f.path.endsWith('nginx-certbot.env'))?.content ?? '';
    // Single quotes: Compose and dotenv read the value literally.
    expect(proxyEnv).toContain(`CERTBOT_EMAIL='a${HOME}@example.com'`);
    expect(parseEnv(proxyEnv).values.CERTBOT_EMAIL).toBe(`a${HOME}@example.com`);
    // Every env file of the plan holds the email with its `$` inside single quotes.
    for (const f of plan.files.filter((f) => f.content?.includes(HOME)))
      for (const line of (f.content ?? '').split('\n').filter((l) => l.includes(HOME) && /^[A-Z_]+=/.test(l)))
        expect(line, f.path).toMatch(/^[A-Z_]+='[^']*'$/);
  });
});
