import { createHash, createPublicKey, verify } from 'node:crypto';
import { UserError } from './errors.js';

/**
 * The public half of the release signing key (Ed25519, SubjectPublicKeyInfo DER in base64: the body of its
 * PEM). The project's maintainers hold the private half; `npm run release` signs install.sh, the tarball and
 * SHA256SUMS with it. The same key is written into every released install.sh and printed in the README
 * ("Releases"), with its fingerprint (fingerprint() below). Tests sign with a throwaway key of their own.
 */
export const RELEASE_PUBLIC_KEY = 'MCowBQYDK2VwAyEAP6E/xFuXvxgR3sDCbTw5HJbkbre3IDLWrPI6Ps/hHmU=';

/**
 * Tests and development only: with this set to 1, http release URLs are accepted and TEST_KEY_VAR replaces
 * the pinned key. Only root's own environment can set it; nothing downloaded can.
 */
export const TEST_SWITCH = 'WIZARD_UNSAFE_TEST_RELEASES';
export const TEST_KEY_VAR = 'WIZARD_RELEASE_PUBKEY';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the 32-byte key follows. */
const ED25519_SPKI_PREFIX = '302a300506032b6570032100';

export function isEd25519PublicKey(spkiBase64: string): boolean {
  if (!/^[A-Za-z0-9+/]{59}=$/.test(spkiBase64)) return false;
  return Buffer.from(spkiBase64, 'base64').toString('hex').startsWith(ED25519_SPKI_PREFIX);
}

/** SHA-256 of the key's DER, hex: what `openssl pkey -pubin -in KEY.pem -outform DER | sha256sum` prints. */
export function keyFingerprint(spkiBase64: string): string {
  return createHash('sha256').update(Buffer.from(spkiBase64, 'base64')).digest('hex');
}

/** The key as a PEM file holds it. */
export function keyPem(spkiBase64: string): string {
  return `-----BEGIN PUBLIC KEY-----\n${spkiBase64}\n-----END PUBLIC KEY-----\n`;
}

/** True when sig is the key's Ed25519 signature of data; false for anything else, never throws. */
export function verifySignature(data: Uint8Array, sig: Uint8Array, spkiBase64: string): boolean {
  if (sig.length !== 64 || !isEd25519PublicKey(spkiBase64)) return false;
  try {
    const key = createPublicKey({ key: Buffer.from(spkiBase64, 'base64'), format: 'der', type: 'spki' });
    return verify(null, data, key, sig);
  } catch {
    return false;
  }
}

export interface ReleaseTrust {
  /** The key releases must be signed with. */
  key: string;
  /** The test switch is on: http is accepted and the key may be a test key. */
  testMode: boolean;
}

/**
 * Which key and which URLs a run trusts, from root's environment. The pinned key unless the test switch is
 * exactly 1 and a test key is given; a test key or a malformed switch without it is bad input, never ignored.
 */
export function releaseTrust(env: Record<string, string | undefined>): ReleaseTrust {
  const switchValue = env[TEST_SWITCH] ?? '';
  if (switchValue !== '' && switchValue !== '1')
    throw new UserError(
      `${TEST_SWITCH} is "${switchValue}"; it is 1 (tests only) or unset.`,
      `Unset it: unset ${TEST_SWITCH}`,
    );
  const testMode = switchValue === '1';
  const override = env[TEST_KEY_VAR] ?? '';
  if (override === '') return { key: RELEASE_PUBLIC_KEY, testMode };
  if (!testMode)
    throw new UserError(
      `${TEST_KEY_VAR} is set, and a release key of your own is honoured only in tests (${TEST_SWITCH}=1).`,
      `Unset it: releases are checked against the key pinned in the wizard (fingerprint ${keyFingerprint(RELEASE_PUBLIC_KEY)}).`,
    );
  if (!isEd25519PublicKey(override))
    throw new UserError(
      `${TEST_KEY_VAR} is not an Ed25519 public key (the base64 line of its PEM).`,
      'Print one with: openssl pkey -in KEY -pubout | sed -n 2p',
    );
  return { key: override, testMode };
}

/** A release URL must be https; http only in test mode. Names the variable that set it when it is wrong. */
export function checkReleaseUrl(url: string, trust: ReleaseTrust, variable: string): void {
  let scheme: string;
  try {
    scheme = new URL(url).protocol;
  } catch {
    throw new UserError(`${variable} is not a URL: ${url}`, `Set ${variable} to an https:// release folder.`);
  }
  if (scheme === 'https:' || (scheme === 'http:' && trust.testMode)) return;
  throw new UserError(
    `${variable} is ${url}; releases are downloaded over https only.`,
    `Set ${variable} to an https:// URL (or unset it for the published releases).`,
  );
}
