import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redact, secretValues } from '../../src/core/doctor.js';
import { gitCredentials } from '../../src/core/git.js';
import { maskUrl, Redactor, redactDeep, secretForms, urlSecrets } from '../../src/core/redact.js';
import { FileLogger } from '../../src/system/log.js';
import { MemoryLogger } from '../helpers/memory-logger.js';
import { tmpRoot } from '../helpers/tmp.js';

const SECRET = `pa"ss\\w$rd %41 é'x`;

describe('the redactor', () => {
  it('masks a secret raw, JSON-escaped (once and twice), URL-encoded and shell-quoted', () => {
    const r = new Redactor();
    r.add(SECRET);
    const json = JSON.stringify(SECRET).slice(1, -1);
    for (const form of [
      SECRET,
      json,
      JSON.stringify(json).slice(1, -1),
      encodeURIComponent(SECRET),
      new URLSearchParams({ p: SECRET }).toString().slice(2),
      `'${SECRET.replace(/'/g, `'\\''`)}'`,
      SECRET.replace(/'/g, "''"),
    ]) {
      const out = r.redact(`before ${form} after`);
      expect(out, form).not.toContain(form);
      expect(out.startsWith('before ') && out.endsWith(' after'), form).toBe(true);
      expect(out, form).toContain('[redacted]');
    }
  });

  it('finds the forms of any secret of four characters or more', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 4, maxLength: 30 }), fc.string(), (secret, around) => {
        const r = new Redactor();
        r.add(secret);
        for (const f of secretForms(secret)) expect(r.redact(`${around}${f}${around}`)).not.toContain(f);
      }),
    );
  });

  it('masks credentials inside any URL, tokens in query strings and Authorization headers', () => {
    expect(maskUrl('https://wizard:ghp_abc123@git.example.com/x.git')).toBe(
      'https://wizard:[redacted]@git.example.com/x.git',
    );
    expect(maskUrl('https://ghp_ABCdef0123456789@git.example.com/x.git')).toBe(
      'https://[redacted]@git.example.com/x.git',
    );
    // A plain user name with no password stays (git@, postgres@): it is no secret.
    expect(maskUrl('ssh://git@git.example.com/x.git')).toBe('ssh://git@git.example.com/x.git');
    expect(new Redactor().redact('DATABASE_URL=postgres://mastodon:s3cr%40t@db:5432/m?sslmode=disable')).toBe(
      'DATABASE_URL=postgres://mastodon:[redacted]@db:5432/m?sslmode=disable',
    );
    expect(new Redactor().redact('REDIS_URL=redis://:p4ss@redis:6379/0')).toBe(
      'REDIS_URL=redis://:[redacted]@redis:6379/0',
    );
    expect(new Redactor().redact('GET /x?access_token=abc123&page=2 private_token=zz')).toBe(
      'GET /x?access_token=[redacted]&page=2 private_token=zz',
    );
    expect(new Redactor().redact('Authorization: Bearer abc.def')).toBe('Authorization: Bearer [redacted]');
  });

  it('reads the credentials of a URL as written and decoded', () => {
    expect(urlSecrets('https://wizard:t%22ok%20en@host/x')).toEqual(['t%22ok%20en', 't"ok en']);
    expect(urlSecrets('https://ghp_ABCdef0123456789@host/x')).toEqual(['ghp_ABCdef0123456789']);
    expect(urlSecrets('https://host/x')).toEqual([]);
  });

  it('applies to every string of a document (--json, screen props)', () => {
    const r = new Redactor();
    r.add('hunter22');
    expect(redactDeep({ a: ['x hunter22', { b: 'hunter22' }], n: 3 }, (t) => r.redact(t))).toEqual({
      a: ['x [redacted]', { b: '[redacted]' }],
      n: 3,
    });
  });

  it("the bundle's redaction keeps secrets out of DATABASE_URL and REDIS_URL whatever their key", () => {
    const env = {
      DB_PASS: 'pw"with\\quote',
      DATABASE_URL: `postgres://mastodon:${encodeURIComponent('other pw!')}@db/m`,
      REDIS_URL: 'redis://:r3d1s-pass@redis:6379',
      LOCAL_DOMAIN: 'social.example.com',
    };
    const secrets = secretValues(env, []);
    expect(secrets).toContain('other pw!');
    expect(secrets).toContain('r3d1s-pass');
    const config = `environment:\n  DATABASE_URL: ${env.DATABASE_URL}\n  PASS_JSON: "${JSON.stringify(env.DB_PASS).slice(1, -1)}"\n  admin: a@example.com`;
    const out = redact(config, secrets);
    expect(out).not.toContain('other');
    expect(out).not.toContain('quote');
    expect(out).toContain('[email]');
  });
});

describe('gitCredentials', () => {
  it("moves a URL's credentials from git's argv into an Authorization header in its environment", () => {
    const { url, env } = gitCredentials('https://wizard:t%40ken@git.example.com/docker.git');
    expect(url).toBe('https://git.example.com/docker.git');
    expect(env?.GIT_CONFIG_KEY_0).toBe('http.extraHeader');
    expect(env?.GIT_CONFIG_VALUE_0).toBe(
      `Authorization: Basic ${Buffer.from('wizard:t@ken').toString('base64')}`,
    );
    expect(gitCredentials('/srv/mirror/docker.git')).toEqual({ url: '/srv/mirror/docker.git' });
    expect(gitCredentials('https://github.com/mattermost/docker.git')).toEqual({
      url: 'https://github.com/mattermost/docker.git',
    });
  });
});

describe('the loggers', () => {
  it('write no form of a registered secret, and no URL password, to the log file', async () => {
    const { readFileSync } = await import('node:fs');
    const log = new FileLogger(tmpRoot(), 'test');
    log.addSecret(SECRET);
    log.info(`answers: ${JSON.stringify({ smtpPassword: SECRET })}`);
    log.info(`$ git clone -- 'https://u:${encodeURIComponent(SECRET)}@h/x' /opt/x`);
    log.info('$ git clone -- https://u:other-token@h/x /opt/x');
    const text = readFileSync(log.path, 'utf8');
    for (const f of secretForms(SECRET)) expect(text).not.toContain(f);
    expect(text).not.toContain('other-token');
    const mem = new MemoryLogger();
    mem.addSecret(SECRET);
    mem.info(JSON.stringify(SECRET));
    expect(mem.lines.join('\n')).not.toContain(JSON.stringify(SECRET).slice(1, -1));
  });
});
