import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpRoot } from '../helpers/tmp.js';
import {
  down,
  envValues,
  expectEnvFilesWhole,
  expectNoSecretLeaks,
  faultsSetup,
  secretsOf,
  waitPortsFree,
  wizard,
} from './helpers/faults.js';
import { installArgs } from './helpers/install.js';
import { makeFixtureRepo } from './helpers/standins.js';
import { freePort } from './helpers/wizard.js';

/** Fault injection on the real Docker engine (see faults.e2e.test.ts): a full data disk while writing .env. */

faultsSetup();

describe('Rocket.Chat: a full disk while writing, and no secret in logs or bundle', () => {
  let root = '';
  let repo = '';
  let port = 0;
  let secrets: Record<string, string> = {};
  let mounted = false;
  const dataDir = () => join(root, 'opt/rocketchat');
  const env = () => ({ WIZARD_ROOT: root, WIZARD_READY_TIMEOUT: '240' });
  // The data disk is small on purpose: its free-space check is ignored (the wizard says so in the log).
  const args = () => installArgs({ platform: 'rocketchat', repo, port, args: ['--ignore-check', 'disk'] });

  beforeAll(async () => {
    // Rocket.Chat's stack publishes 27017, 4222 and 9458 on fixed ports: wait for another Rocket.Chat test
    // (another file, another engineer's run) to finish with them.
    await waitPortsFree([27017, 4222, 9458], 300_000);
    root = tmpRoot('wizard-faults-rc-');
    repo = await makeFixtureRepo(root, 'rocketchat-compose');
    port = await freePort();
    // The data dir is a small tmpfs of its own (Rocket.Chat keeps its database in a named volume, not here).
    mkdirSync(dataDir(), { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0755', 'tmpfs', dataDir()]);
    mounted = true;
  });
  afterAll(() => {
    down(root, 'rocketchat');
    if (mounted) execFileSync('umount', ['-l', dataDir()]);
  });

  it('installs on the small data disk', async () => {
    const r = await wizard(args(), env());
    expect(r.stderr).not.toContain('✖');
    expect(r.code).toBe(0);
    secrets = secretsOf('rocketchat', join(dataDir(), '.env'));
    expect(Object.keys(secrets)).toContain('ADMIN_PASS');
  });

  it('the disk full while writing .env: a clear error, the previous .env intact, nothing half-written; the re-run after freeing space succeeds', async () => {
    // A change the wizard must write back: the user dropped ROOT_URL and added a key of their own.
    const envPath = join(dataDir(), '.env');
    const edited = `${readFileSync(envPath, 'utf8').replace(/^ROOT_URL=.*\n/m, '')}MY_OWN=keep\n`;
    writeFileSync(envPath, edited);
    const filler = join(dataDir(), 'filler');
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'ignore' });
    } catch {
      // dd stops with ENOSPC: the disk is full
    }
    const r = await wizard(args(), env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /✖ Step failed: Write .*: No space left on the disk holding .*opt\/rocketchat: .*\.env was not written \(its previous version is intact\)\./,
    );
    expect(r.stderr).toContain('→ Free space there (df -h');
    expect(readFileSync(envPath, 'utf8')).toBe(edited);
    expectEnvFilesWhole(dataDir(), 'rocketchat', secrets);

    rmSync(filler);
    const again = await wizard(args(), env());
    expect(again.stderr).not.toContain('✖');
    expect(again.code).toBe(0);
    const values = envValues(envPath);
    expect(values).toMatchObject({ MY_OWN: 'keep', ROOT_URL: `http://localhost:${port}` });
    expect(secretsOf('rocketchat', envPath)).toEqual(secrets);
    expectEnvFilesWhole(dataDir(), 'rocketchat', secrets);
  });

  it('no generated secret in its logs or in `wizard doctor --bundle`', async () => {
    await expectNoSecretLeaks(root, 'rocketchat', secrets);
  });
});
