import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import {
  checkReleaseUrl,
  isEd25519PublicKey,
  keyFingerprint,
  keyPem,
  RELEASE_PUBLIC_KEY,
  releaseTrust,
  verifySignature,
} from '../../src/core/release-key.js';

const REPO = join(import.meta.dirname, '../..');

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, spki: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };
}

describe('the release key', () => {
  it('is one Ed25519 public key, the same in src, the README (PEM and fingerprint) and release.config.mjs', async () => {
    expect(isEd25519PublicKey(RELEASE_PUBLIC_KEY)).toBe(true);
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    expect(readme).toContain(keyPem(RELEASE_PUBLIC_KEY));
    expect(readme).toContain(keyFingerprint(RELEASE_PUBLIC_KEY));
    const { pinnedKey, fingerprint } = (await import(
      new URL('../../release.config.mjs', import.meta.url).href
    )) as { pinnedKey: () => string; fingerprint: (k: string) => string };
    expect(pinnedKey()).toBe(RELEASE_PUBLIC_KEY);
    expect(fingerprint(RELEASE_PUBLIC_KEY)).toBe(keyFingerprint(RELEASE_PUBLIC_KEY));
  });

  it('verifies a signature by the key, and nothing else: altered data, another key, a cut signature', () => {
    const k = keyPair();
    const other = keyPair();
    const data = Buffer.from('#!/usr/bin/env bash\necho hi\n');
    const sig = sign(null, data, k.privateKey);
    expect(verifySignature(data, sig, k.spki)).toBe(true);
    expect(verifySignature(Buffer.from('#!/usr/bin/env bash\necho hI\n'), sig, k.spki)).toBe(false);
    expect(verifySignature(data, sign(null, data, other.privateKey), k.spki)).toBe(false);
    expect(verifySignature(data, sig.subarray(0, 63), k.spki)).toBe(false);
    expect(verifySignature(data, new Uint8Array(64), k.spki)).toBe(false);
    expect(verifySignature(data, sig, 'not a key')).toBe(false);
    expect(verifySignature(data, sig, RELEASE_PUBLIC_KEY)).toBe(false);
  });

  it('is the pinned one unless the test switch is exactly 1 and a test key is given', () => {
    const test = keyPair().spki;
    expect(releaseTrust({})).toEqual({ key: RELEASE_PUBLIC_KEY, testMode: false });
    expect(releaseTrust({ WIZARD_UNSAFE_TEST_RELEASES: '1' })).toEqual({
      key: RELEASE_PUBLIC_KEY,
      testMode: true,
    });
    expect(releaseTrust({ WIZARD_UNSAFE_TEST_RELEASES: '1', WIZARD_RELEASE_PUBKEY: test })).toEqual({
      key: test,
      testMode: true,
    });
    // A test key without the switch, a switch that is not 1, a key that is not one: bad input, never ignored.
    expect(() => releaseTrust({ WIZARD_RELEASE_PUBKEY: test })).toThrow(UserError);
    expect(() => releaseTrust({ WIZARD_RELEASE_PUBKEY: test })).toThrow(
      /honoured only in tests \(WIZARD_UNSAFE_TEST_RELEASES=1\)/,
    );
    for (const value of ['yes', 'true', '0', ' 1'])
      expect(() => releaseTrust({ WIZARD_UNSAFE_TEST_RELEASES: value })).toThrow(
        /it is 1 \(tests only\) or unset/,
      );
    expect(() => releaseTrust({ WIZARD_UNSAFE_TEST_RELEASES: '1', WIZARD_RELEASE_PUBKEY: 'AAAA' })).toThrow(
      /not an Ed25519 public key/,
    );
  });

  it('takes https URLs; http only in test mode; nothing else ever', () => {
    const prod = releaseTrust({});
    const test = releaseTrust({ WIZARD_UNSAFE_TEST_RELEASES: '1' });
    expect(() => checkReleaseUrl('https://example.com/releases', prod, 'WIZARD_UPDATE_URL')).not.toThrow();
    expect(() => checkReleaseUrl('http://example.com/releases', prod, 'WIZARD_UPDATE_URL')).toThrow(
      'WIZARD_UPDATE_URL is http://example.com/releases; releases are downloaded over https only.',
    );
    expect(() => checkReleaseUrl('http://127.0.0.1:8080/v2', test, 'WIZARD_UPDATE_URL')).not.toThrow();
    for (const url of ['ftp://example.com/x', 'file:///tmp/x', 'example.com/x'])
      expect(() => checkReleaseUrl(url, test, 'WIZARD_RELEASE_URL')).toThrow(UserError);
  });
});
