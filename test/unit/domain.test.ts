import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateDomain, validateEmail } from '../../src/core/domain.js';

describe('validateDomain', () => {
  it.each([
    ['chat.example.com', 'chat.example.com'],
    ['Chat.Example.COM.', 'chat.example.com'],
    ['чат.пример.рф', 'xn--80a0bn.xn--e1afmkfd.xn--p1ai'],
    ['bücher.example', 'xn--bcher-kva.example'],
  ])('accepts %s as %s', (input, ascii) => {
    expect(validateDomain(input)).toEqual({ ok: true, value: ascii });
  });

  it.each([
    ['', 'empty'],
    ['https://chat.example.com', 'is a URL'],
    ['chat.example.com/path', 'is a URL'],
    ['localhost', 'not a domain name'],
    ['10.0.0.1', 'not a domain name'],
    ['chat', 'not a fully qualified'],
    ['-chat.example.com', 'invalid label'],
    ['chat_room.example.com', 'invalid label'],
    [`${'a'.repeat(64)}.example.com`, 'invalid label'],
    [`${'abcdefghi.'.repeat(26)}com`, 'longer than 253'],
    ['chat.example.com:8443', 'port'],
    ['example.123', 'ends in a number'],
  ])('refuses %s (%s) with a remedy', (input, why) => {
    const r = validateDomain(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain(why);
      expect(r.remedy.length).toBeGreaterThan(10);
    }
  });

  it('accepts an address or localhost only with --tls none', () => {
    expect(validateDomain('localhost', { allowLocal: true })).toEqual({ ok: true, value: 'localhost' });
    expect(validateDomain('192.0.2.10', { allowLocal: true })).toEqual({ ok: true, value: '192.0.2.10' });
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const r = validateDomain(s);
        if (r.ok) expect(r.value).toMatch(/^[a-z0-9.-]+$/);
        else expect(r.error).not.toBe('');
      }),
    );
  });
});

describe('validateEmail', () => {
  it('accepts an address and normalises an IDN domain', () => {
    expect(validateEmail(' admin@Example.com ')).toEqual({ ok: true, value: 'admin@example.com' });
    expect(validateEmail('a@bücher.example')).toEqual({ ok: true, value: 'a@xn--bcher-kva.example' });
  });
  it.each(['', 'admin', 'admin@', '@example.com', 'a b@example.com', 'a@localhost', 'a@@example.com'])(
    'refuses %j',
    (s) => {
      const r = validateEmail(s);
      expect(r.ok).toBe(false);
    },
  );
});
