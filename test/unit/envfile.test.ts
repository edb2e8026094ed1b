import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEnv, quoteEnvValue, setEnv } from '../../src/core/envfile.js';

describe('env files', () => {
  const upstream =
    '#!/bin/sh\n# Change these\nREG_TOKEN=\nDOMAIN=localhost\nRELEASE=8.0.1\n\n# MongoDB\nMONGODB_BIND_IP=127.0.0.1\n';

  it('sets known keys in place and keeps comments, order and unknown keys', () => {
    const out = setEnv(`${upstream}MY_OWN_KEY="keep me"\n`, {
      DOMAIN: 'chat.example.com',
      RELEASE: '8.0.1',
      ADMIN_PASS: 'a b#c',
    });
    expect(out).toBe(
      '#!/bin/sh\n# Change these\nREG_TOKEN=\nDOMAIN=chat.example.com\nRELEASE=8.0.1\n\n# MongoDB\nMONGODB_BIND_IP=127.0.0.1\nMY_OWN_KEY="keep me"\n\n# Written by wizard\nADMIN_PASS=\'a b#c\'\n',
    );
    expect(parseEnv(out).values).toMatchObject({
      DOMAIN: 'chat.example.com',
      MY_OWN_KEY: 'keep me',
      ADMIN_PASS: 'a b#c',
      REG_TOKEN: '',
    });
  });

  it('changes nothing when the values are already there', () => {
    const once = setEnv(upstream, { DOMAIN: 'a.example.com', NEW: 'x' });
    expect(setEnv(once, { DOMAIN: 'a.example.com', NEW: 'x' })).toBe(once);
  });

  it('rewrites the last of duplicate keys (the one that wins) and keeps CRLF endings', () => {
    const out = setEnv('A=1\r\nA=2\r\n', { A: '3' });
    expect(out).toBe('A=1\r\nA=3\r\n');
    expect(parseEnv(out).values.A).toBe('3');
  });

  it('drops a byte-order mark and reads the values behind it', () => {
    expect(parseEnv('\uFEFFDOMAIN=x.example.com\n').values.DOMAIN).toBe('x.example.com');
    expect(setEnv('\uFEFFA=1\n', { A: '2' })).toBe('A=2\n');
  });

  it('round-trips any printable value through quoting', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme-ascii' }).filter((s) => !/[\r\n]/.test(s) && s.trim() === s),
        (value) => {
          const carriable = (!value.includes("'") && !value.endsWith('\\')) || !/["\\$`]/.test(value);
          if (!carriable) {
            expect(() => setEnv('# keep\n', { KEY: value })).toThrow(/can not carry/);
            return;
          }
          const text = setEnv('# keep\n', { KEY: value });
          expect(parseEnv(text).values.KEY).toBe(value);
          expect(text.startsWith('# keep\n')).toBe(true);
        },
      ),
    );
  });

  it('quotes only when a value needs it', () => {
    expect(quoteEnvValue('mongodb://mongodb:27017/rocketchat?replicaSet=rs0')).toBe(
      "'mongodb://mongodb:27017/rocketchat?replicaSet=rs0'",
    );
    expect(quoteEnvValue('https://chat.example.com')).toBe('https://chat.example.com');
    expect(quoteEnvValue("it's")).toBe('"it\'s"');
  });
});
