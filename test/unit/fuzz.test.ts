import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseAnswersFile, resolveAnswers } from '../../src/core/answers.js';
import { validateDomain, validateEmail } from '../../src/core/domain.js';
import { parseEnv, setEnv } from '../../src/core/envfile.js';
import { UserError } from '../../src/core/errors.js';
import { platforms } from '../../steps/index.js';

/**
 * Bad input, generated: answers files, env files, versions, domains and emails. Nothing crashes with an
 * unexpected exception; what is refused is refused as a UserError (or a listed error) with a remedy.
 */

/** Runs f; it may return, or throw a UserError with a message and a remedy. Anything else fails the property. */
function onlyUserErrors<T>(f: () => T): T | UserError {
  try {
    return f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).message).not.toBe('');
    expect((e as UserError).remedy ?? '').not.toBe('');
    return e as UserError;
  }
}

/** What gatherAnswers (install) does with a file's text: parse, then validate every answer. */
function judgeAnswersFile(text: string, name: string) {
  const parsed = onlyUserErrors(() =>
    parseAnswersFile(text, name, (t) => parseYaml(t, { logLevel: 'error' })),
  );
  if (parsed instanceof UserError) return;
  const r = resolveAnswers([parsed], platforms, { fileName: name, fileKeys: Object.keys(parsed) });
  for (const e of r.errors) {
    expect(e.error).not.toBe('');
    expect(e.remedy).not.toBe('');
  }
}

const KEYS = [
  'platform',
  'domain',
  'email',
  'version',
  'data-dir',
  'dataDir',
  'tls',
  'port',
  'repo-url',
  'name',
  'offline',
  'ignore-check',
  'yes',
  'toString',
  'valueOf',
  '__proto__',
  'constructor',
  'domian',
];
const scalar = fc.oneof(
  fc.string(),
  fc.constantFrom(
    'rocketchat',
    'mattermost',
    'chat.example.com',
    'admin@example.com',
    '8.0.1',
    '/opt/rc',
    'none',
    '3000',
    '',
    '~',
    'null',
    'yes',
    'on',
    '0x10',
    '1e3',
    '.inf',
    '-.nan',
    '!!str 1',
    '&a x',
    '*a',
    '@x',
    '`x`',
    '%x',
    '|',
    '>',
  ),
);
const quoted = fc.oneof(
  scalar,
  scalar.map((s) => `"${s}"`),
  scalar.map((s) => `'${s}'`),
  scalar.map((s) => `"${s.replace(/"/g, '\\"')}"`),
  scalar.map((s) => `'${s.replace(/'/g, "''")}'`),
  scalar.map((s) => `${s} # a comment`),
  fc.constantFrom(
    '[a, b]',
    '{toString: 1}',
    '{a: {b: c}}',
    '[]',
    '{}',
    '[1, [2, [3]]]',
    '{valueOf: x}',
    '{toString: {}}',
  ),
);
const yamlLine = fc.oneof(
  fc.tuple(fc.constantFrom(...KEYS), quoted).map(([k, v]) => `${k}: ${v}`),
  fc.tuple(fc.constantFrom(...KEYS), quoted).map(([k, v]) => `"${k}": ${v}`),
  fc.string().map((s) => `# ${s}`),
  fc.constantFrom('', '---', '...', '- item', '  nested: 1', '? complex', '\t'),
  fc.string(),
);
const eol = fc.constantFrom('\n', '\r\n', '\r');
const bom = fc.constantFrom('', '\uFEFF');

describe('fuzz: answers files', () => {
  it('YAML with odd quoting, CRLF, a BOM, duplicate keys and comments: parsed, or a UserError with a remedy', () => {
    fc.assert(
      fc.property(bom, fc.array(yamlLine, { maxLength: 12 }), eol, (b, lines, nl) =>
        judgeAnswersFile(b + lines.join(nl) + nl, 'answers.yml'),
      ),
      { numRuns: 400 },
    );
  });

  it('any text as YAML or JSON', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.constantFrom('a.yml', 'a.yaml', 'a.json'), (text, name) =>
        judgeAnswersFile(text, name),
      ),
      { numRuns: 300 },
    );
  });

  it('JSON with any values, duplicate keys and a BOM', () => {
    const value = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(
        bom,
        fc.array(fc.tuple(fc.constantFrom(...KEYS), value), { maxLength: 8 }),
        (b, entries) => {
          const body = entries.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\r\n');
          judgeAnswersFile(`${b}{${body}}`, 'answers.json');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a version: a known release, or an error naming the form or the known releases', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('rocketchat', 'mattermost', 'mastodon', 'chatmail'),
        fc.oneof(
          fc.string(),
          fc.constantFrom(
            '8.0.1',
            'v8.0.1',
            '8.0',
            '8.0.1.2',
            '08.0.1',
            '8.0.1-rc.1',
            ' 8.0.1 ',
            'latest',
            '11.7.15',
            'v4.5.11',
          ),
        ),
        (platform, version) => {
          const r = resolveAnswers([{ platform, version }], platforms);
          const known = platforms.find((p) => p.id === platform)?.releases.map((x) => x.version) ?? [];
          if (r.answers.version !== undefined) expect(known).toContain(r.answers.version);
          else expect(r.errors.find((e) => e.key === 'version')?.remedy).toMatch(/8\.0\.1|Known releases/);
        },
      ),
    );
  });
});

describe('fuzz: env files', () => {
  const key = fc.constantFrom('A', 'B', 'DOMAIN', 'ADMIN_PASS', 'x.y', 'my-key', '_K');
  // Values as people write them: bare, quoted either way, with an inline comment, odd spacing, `export`.
  const value = fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).filter((s) => !/[\r\n]/.test(s));
  const entry = fc.oneof(
    fc
      .tuple(
        key,
        value.filter((s) => !/['"`#\s\\]/.test(s)),
      )
      .map(([k, v]) => `${k}=${v}`),
    fc
      .tuple(
        key,
        value.filter((s) => !s.includes("'") && !s.endsWith('\\')),
      )
      .map(([k, v]) => `${k}='${v}'`),
    fc
      .tuple(
        key,
        value.filter((s) => !/["\\]/.test(s)),
      )
      .map(([k, v]) => `${k}="${v}"`),
    fc
      .tuple(
        key,
        value.filter((s) => !/['"`#\s\\]/.test(s)),
      )
      .map(([k, v]) => `export ${k} = ${v} # note`),
    fc
      .string({ maxLength: 20 })
      .filter((s) => !/[\r\n]/.test(s))
      .map((s) => `# ${s}`),
    fc.constant(''),
  );
  const doc = fc
    .tuple(bom, fc.array(entry, { maxLength: 10 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
    .map(([b, lines, nl, last]) => ({
      text: b + lines.join(nl) + (last && lines.length ? nl : ''),
      lines,
      nl,
    }));

  it('parses whatever it is given without throwing', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => void parseEnv(text)));
  });

  it('setEnv sets the value, keeps every other value and every comment, and keeps CRLF', () => {
    fc.assert(
      fc.property(doc, key, value, ({ text, lines, nl }, k, v) => {
        const out = onlyUserErrors(() => setEnv(text, { [k]: v }));
        if (out instanceof UserError) {
          expect(out.message).toMatch(/can not carry|line break/);
          return;
        }
        const before = parseEnv(text).values;
        const after = parseEnv(out).values;
        expect(after[k]).toBe(v);
        for (const [other, was] of Object.entries(before)) if (other !== k) expect(after[other]).toBe(was);
        for (const c of lines.filter((l) => l.startsWith('#'))) expect(out.split(/\r?\n/)).toContain(c);
        expect(out.startsWith('\uFEFF')).toBe(false);
        if (nl === '\r\n' && lines.length > 1) expect(out.replace(/\r\n/g, '')).not.toContain('\n');
      }),
      { numRuns: 500 },
    );
  });

  // Known gap: a line a person wrote as KEY='ends in \' is read by dotenv (not by Compose) as running on into
  // the next lines; the wizard never writes one (below), but does not repair one it finds.
  it('a value ending in a backslash is never written single-quoted (dotenv would run on into the next line)', () => {
    const out = onlyUserErrors(() => setEnv('', { A: 'x', B: 'y' }));
    expect(out).toBe('# Written by wizard\nA=x\nB=y\n');
    expect(onlyUserErrors(() => setEnv('', { A: 'a b\\', B: 'y' }))).toBeInstanceOf(UserError);
  });

  it('a value no env file can carry (a line break, quotes mixed with $ or \\) is a UserError with a remedy', () => {
    for (const v of ['a\nb', 'a\r\nb', `it's $HOME`, `'"\\`]) {
      const e = onlyUserErrors(() => setEnv('', { ADMIN_PASS: v }));
      expect(e).toBeInstanceOf(UserError);
    }
  });
});

describe('fuzz: domains and emails', () => {
  const domainish = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.domain(),
    fc.webUrl(),
    fc.emailAddress(),
    fc
      .array(
        fc.constantFrom(
          'a',
          'é',
          'xn--',
          '-',
          '.',
          '..',
          '_',
          '1',
          ':',
          '/',
          ' ',
          '\u200b',
          'ß',
          '\u0000',
          '@',
          'Ⅻ',
          '。',
        ),
        { maxLength: 30 },
      )
      .map((a) => a.join('')),
  );

  it('validateDomain never throws; a refusal has an error and a remedy', () => {
    fc.assert(
      fc.property(domainish, fc.boolean(), (s, allowLocal) => {
        const r = validateDomain(s, { allowLocal });
        if (r.ok) expect(r.value).toMatch(/^[a-z0-9.:-]+$/);
        else {
          expect(r.error).not.toBe('');
          expect(r.remedy).not.toBe('');
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('validateEmail never throws; a refusal has an error and a remedy', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          domainish,
          fc.tuple(domainish, domainish).map(([a, b]) => `${a}@${b}`),
        ),
        (s) => {
          const r = validateEmail(s);
          if (r.ok) expect(r.value).toContain('@');
          else {
            expect(r.error).not.toBe('');
            expect(r.remedy).not.toBe('');
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('through resolveAnswers (flags, env vars or a file): a bad domain or email is listed with a remedy, never thrown', () => {
    fc.assert(
      fc.property(
        domainish,
        domainish,
        fc.constantFrom('none', 'letsencrypt', 'selfsigned'),
        (domain, email, tls) => {
          const r = resolveAnswers([{ domain, email, tls }], platforms);
          for (const e of r.errors) expect(e.remedy).not.toBe('');
        },
      ),
    );
  });
});
