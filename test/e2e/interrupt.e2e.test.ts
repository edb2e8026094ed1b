import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpRoot } from '../helpers/tmp.js';
import { installArgs } from './helpers/install.js';
import { dockerAvailable, ensureStandinImages, makeFixtureRepo } from './helpers/standins.js';
import { freePort, runWizard, signalWhen } from './helpers/wizard.js';

/** SIGTERM in the middle of an install: the step stops, the journal keeps what finished, a re-run continues. */
describe('an interrupted install', () => {
  let root = '';
  let repo = '';
  let port = 0;
  const args = () => installArgs({ platform: 'rocketchat', repo, port });

  beforeAll(async () => {
    if (!(await dockerAvailable()))
      throw new Error('No Docker engine answers: the e2e suite needs one (run .ci/setup-docker.sh).');
    await ensureStandinImages();
    root = tmpRoot('wizard-int-');
    repo = await makeFixtureRepo(root, 'rocketchat-compose');
    port = await freePort();
  });

  afterAll(() => {
    try {
      execFileSync('docker', ['compose', 'down', '--volumes', '--timeout', '2'], {
        cwd: join(root, 'opt/rocketchat'),
        stdio: 'ignore',
      });
    } catch {
      // nothing started
    }
  });

  it('exits 143 on SIGTERM during the readiness wait, keeping the finished steps', async () => {
    const { code, stderr } = await runWizard(
      args(),
      { WIZARD_ROOT: root },
      {
        onStderr: signalWhen(/Wait until the platform answers/, 'SIGTERM'),
      },
    );
    expect(stderr).toContain('SIGTERM: stopping after the running command');
    expect(stderr).toContain(
      'Interrupted by SIGTERM: finished steps are kept; run the same command again to continue.',
    );
    expect(code).toBe(143);
    const rec = JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8')).installs.rocketchat;
    expect(Object.keys(rec.journal)).toEqual(expect.arrayContaining(['clone', 'up']));
    expect(rec.journal.ready).toBeUndefined();
    expect(rec.status).not.toBe('installed');
  });

  it('the next run says it continues, and finishes', async () => {
    const r = await runWizard(args(), { WIZARD_ROOT: root });
    expect(r.stderr).toMatch(/The last run stopped after \d+ steps; this one continues from there\./);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('✔ Rocket.Chat 8.0.1 is running.');
  });
});
