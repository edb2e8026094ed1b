import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/core/envfile.js';
import { tmpRoot } from '../helpers/tmp.js';
import { installArgs } from './helpers/install.js';
import { dockerAvailable, ensureStandinImages, makeFixtureRepo } from './helpers/standins.js';
import { freePort, runWizard, signalWhen } from './helpers/wizard.js';

const IMAGE = 'registry.rocket.chat/rocketchat/rocket.chat';

/**
 * The waits watch the containers (src/engine/wait.ts), with the DEFAULT readiness timeout (600 s, longer than this
 * file's test timeout): a release whose image crashes at once (the `9.9.9-crash` stand-in, tagged as 8.0.0 for
 * the test: Node's "Cannot find module") fails an install with its log line, and an upgrade to it is rolled
 * back, the old release answering again, instead of both sitting on "connection refused" until the timeout.
 * SIGTERM during an upgrade's switch puts the old release back before the wizard exits.
 */
describe('waits that watch the containers', () => {
  let root = '';
  let repo = '';
  let port = 0;
  let env: Record<string, string> = {};
  let original = '';
  const dataDir = () => join(root, 'opt/rocketchat');
  const values = () => parseEnv(readFileSync(join(dataDir(), '.env'), 'utf8')).values;
  const state = () =>
    JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8')).installs.rocketchat;
  const info = async () => (await fetch(`http://127.0.0.1:${port}/api/info`)).json();
  const docker = (...a: string[]) =>
    execFileSync('docker', a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const install = (version: string) =>
    runWizard(installArgs({ platform: 'rocketchat', version, repo, port }), env);

  beforeAll(async () => {
    if (!(await dockerAvailable()))
      throw new Error('No Docker engine answers: the e2e suite needs one (run .ci/setup-docker.sh).');
    await ensureStandinImages();
    root = tmpRoot('wizard-waits-');
    repo = await makeFixtureRepo(root, 'rocketchat-compose');
    port = await freePort();
    // No WIZARD_READY_TIMEOUT: the default (600 s) applies.
    env = { WIZARD_ROOT: root };
    original = docker('image', 'inspect', '--format', '{{.Id}}', `${IMAGE}:8.0.0`);
    docker('tag', `${IMAGE}:9.9.9-crash`, `${IMAGE}:8.0.0`);
  });

  afterAll(() => {
    if (original) docker('tag', original, `${IMAGE}:8.0.0`);
    try {
      execFileSync('docker', ['compose', 'down', '--volumes', '--timeout', '2'], {
        cwd: dataDir(),
        stdio: 'ignore',
      });
    } catch {
      // nothing started
    }
  });

  it('an install whose app image exits at once fails fast, with its log line and the known failure', async () => {
    const r = await install('8.0.0');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /Step failed: Wait until the platform answers: Rocket\.Chat 8\.0\.0 can't start: its rocketchat container (crashed \(\d+ restarts?\)|restarts repeatedly)/,
    );
    expect(r.stderr).toContain("Error: Cannot find module './programs/server/boot.js'");
    expect(r.stderr).toContain('Known failure: A module of the program is missing (the image is broken)');
    expect(r.stderr).toContain('→ This image does not start: pull it again');
    expect(r.stderr).not.toContain('did not answer at');
    expect(state()).toMatchObject({ status: 'failed' });
  });

  it('an upgrade to a release that crashes is rolled back, and the old release answers again', async () => {
    // The same install moved to a good release first.
    const ok = await install('7.13.0');
    expect(ok.stderr).not.toContain('✖');
    expect(ok.code).toBe(0);
    const r = await runWizard(['upgrade', '--to', '8.0.0', '--yes', '--offline'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /Rocket\.Chat 8\.0\.0 did not come up \(Rocket\.Chat 8\.0\.0 can't start: its rocketchat container [^)]*\)[^;]*; 7\.13\.0 was put back and it answers again\./,
    );
    expect(await info()).toEqual({ version: '7.13.0', success: true });
    expect(values().RELEASE).toBe('7.13.0');
    expect(state()).toMatchObject({
      release: '7.13.0',
      history: [{ from: '7.13.0', to: '8.0.0', result: 'rolled back' }],
    });
    const log = readFileSync(
      r.stderr.match(/Log: (\S+\.log)/)?.[1] ?? join(root, 'var/log/wizard/none.log'),
      'utf8',
    );
    expect(log).toContain('wait: Rocket.Chat 8.0.0: the rocketchat container');
  });

  it('SIGTERM during the switch puts the old release back before the wizard exits (143)', async () => {
    // A good target this time (the real 8.0.1): the switch is stopped by the signal, not by a crash.
    const { code, stderr } = await runWizard(['upgrade', '--to', '8.0.1', '--yes', '--offline'], env, {
      onStderr: signalWhen(/Switch to the new release/, 'SIGTERM'),
    });
    expect(stderr).toContain('SIGTERM: stopping after the running command');
    expect(stderr).toContain('Rocket.Chat 8.0.1 was interrupted; 7.13.0 was put back and it answers again.');
    expect(code).toBe(143);
    expect(await info()).toEqual({ version: '7.13.0', success: true });
    expect(values().RELEASE).toBe('7.13.0');
    expect(state().upgradeJournal).toBeUndefined();
    expect(state().history.at(-1)).toMatchObject({ from: '7.13.0', to: '8.0.1', result: 'rolled back' });
  });
});
