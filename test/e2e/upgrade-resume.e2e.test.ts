import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/core/envfile.js';
import { type E2eInstall, e2eInstall, removeE2eInstall } from './helpers/install.js';
import { CLI, runWizard } from './helpers/wizard.js';

const IMAGE = 'mattermost/mattermost-team-edition';
const OLD = '10.11.23';
const NEW = '11.7.15';

/**
 * `wizard upgrade` killed with SIGKILL (no handler runs: like the OOM killer, a lost SSH session's process group, a
 * power cut) while it switches Mattermost 10.11.23 → 11.7.15 on the stand-ins, right after its `docker compose up
 * -d` recreated the containers: the journal in the state says so, status and doctor report it, and the re-run
 * settles it first: the new release answers → recorded as done; it never answers → rolled back, the old one answers.
 */
describe('wizard upgrade resumes or rolls back after it was killed', () => {
  let install: E2eInstall | undefined;
  let root = '';
  let port = 0;
  let env: Record<string, string> = {};
  const dataDir = () => join(root, 'opt/mattermost');
  const values = () => parseEnv(readFileSync(join(dataDir(), '.env'), 'utf8')).values;
  const stateFile = () => join(root, 'var/lib/wizard/state.json');
  const state = () => JSON.parse(readFileSync(stateFile(), 'utf8')).installs.mattermost;
  const ping = async () => {
    const r = await fetch(`http://127.0.0.1:${port}/api/v4/system/ping`);
    return /^(\d+\.\d+\.\d+)/.exec(r.headers.get('x-version-id') ?? '')?.[1];
  };
  const login = async () =>
    (
      await fetch(`http://127.0.0.1:${port}/api/v4/users/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login_id: 'admin', password: values().ADMIN_PASSWORD }),
      })
    ).status;
  const docker = (...a: string[]) =>
    execFileSync('docker', a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  /**
   * The `docker compose ... up -d --remove-orphans` the wizard runs as its child, if one runs now: the last `up` of
   * the staged start (PostgreSQL first), the one that recreates the app.
   */
  const upRunning = (pid: number) => {
    try {
      return (
        execFileSync('pgrep', ['-P', String(pid), '-f', ' up -d --remove-orphans'], {
          encoding: 'utf8',
        }).trim() !== ''
      );
    } catch {
      return false;
    }
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /**
   * Starts `wizard upgrade --yes --offline` and kills it with SIGKILL once the journal says `switching` and the
   * switch's `up -d` has recreated the containers (the new release starting, not yet recorded).
   */
  async function upgradeKilledWhileSwitching(): Promise<{
    journal: Record<string, unknown>;
    stderr: string;
  }> {
    const child: ChildProcess = spawn(process.execPath, [CLI, 'upgrade', '--yes', '--offline'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        NO_COLOR: '1',
        WIZARD_POLL_MS: '500',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.stdout?.resume();
    const exited = new Promise<NodeJS.Signals | null>((res) =>
      child.on('exit', (_code, signal) => res(signal)),
    );
    const pid = child.pid as number;
    let upSeen = false;
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`the upgrade ended before it was killed (exit ${child.exitCode}): ${stderr}`);
      if (Date.now() > deadline) throw new Error(`the upgrade never reached the switch: ${stderr}`);
      const phase = existsSync(stateFile()) ? state().upgradeJournal?.phase : undefined;
      if (phase === 'switching') {
        const running = upRunning(pid);
        if (running) upSeen = true;
        else if (upSeen) break;
      }
      await sleep(10);
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    return { journal: state().upgradeJournal, stderr };
  }

  beforeAll(async () => {
    install = await e2eInstall({
      prefix: 'wizard-upgrade-resume-',
      platform: 'mattermost',
      version: OLD,
      env: { WIZARD_READY_TIMEOUT: '15' },
      installEnv: { WIZARD_READY_TIMEOUT: '60' },
    });
    ({ root, port, env } = install);
  }, 240_000);

  afterAll(() => removeE2eInstall(install));

  it('killed while switching to a release that never answers: the re-run rolls back, 10.11.23 answers with its data', async () => {
    const original = docker('image', 'inspect', '--format', '{{.Id}}', `${IMAGE}:${NEW}`);
    // An image that exits at once, under the target's tag, only while the killed run recreates the containers.
    docker('tag', 'wizard-standin/base:latest', `${IMAGE}:${NEW}`);
    let killed: Awaited<ReturnType<typeof upgradeKilledWhileSwitching>>;
    try {
      killed = await upgradeKilledWhileSwitching();
    } finally {
      docker('tag', original, `${IMAGE}:${NEW}`);
    }
    expect(killed.journal).toMatchObject({
      phase: 'switching',
      from: OLD,
      to: NEW,
      path: [NEW],
      previousEnv: '/opt/mattermost/.env.before-upgrade',
    });
    expect(values().MATTERMOST_IMAGE_TAG).toBe(NEW);
    expect(statSync(join(dataDir(), '.env.before-upgrade')).mode & 0o777).toBe(0o600);
    expect(
      parseEnv(readFileSync(join(dataDir(), '.env.before-upgrade'), 'utf8')).values.MATTERMOST_IMAGE_TAG,
    ).toBe(OLD);
    // The lock of the killed run is still there, with its dead pid.
    expect(existsSync(join(root, 'var/lib/wizard/wizard.lock'))).toBe(true);

    const r = await runWizard(['upgrade', '--yes', '--offline'], env);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`Found an interrupted upgrade ${OLD} → ${NEW} interrupted while switching`);
    expect(r.stderr).toContain(`Mattermost ${NEW} did not answer after the interrupted switch`);
    expect(r.stderr).toContain(`${OLD} was put back and it answers again`);
    expect(r.stderr).toMatch(/wizard restore .*mattermost-.*-10\.11\.23-to-11\.7\.15\.tar/);
    expect(await ping()).toBe(OLD);
    expect(await login()).toBe(200);
    expect(values().MATTERMOST_IMAGE_TAG).toBe(OLD);
    expect(state()).toMatchObject({
      release: OLD,
      history: [{ from: OLD, to: NEW, result: 'rolled back (resumed)' }],
    });
    expect(state().upgradeJournal).toBeUndefined();
    expect(existsSync(join(dataDir(), '.env.before-upgrade'))).toBe(false);
  }, 150_000);

  it('killed while the new release starts: status and doctor report it; the re-run records it as done', async () => {
    const killed = await upgradeKilledWhileSwitching();
    expect(killed.journal).toMatchObject({ phase: 'switching', from: OLD, to: NEW });
    expect(state().release).toBe(OLD);

    const status = await runWizard(['status', '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).installs[0].upgradeJournal).toMatchObject({
      phase: 'switching',
      from: OLD,
      to: NEW,
    });
    const text = await runWizard(['status'], env);
    expect(text.stdout).toContain(`upgrade ${OLD} → ${NEW} interrupted while switching`);
    const doctor = await runWizard(['doctor', 'mattermost', '--json'], env);
    const finding = JSON.parse(doctor.stdout).findings.find(
      (f: { id: string }) => f.id === 'upgrade-interrupted',
    );
    expect(finding).toMatchObject({
      severity: 'fail',
      install: 'mattermost',
      remedy: 'wizard upgrade mattermost (it resumes or rolls back first)',
    });
    expect(doctor.code).toBe(2);

    const r = await runWizard(['upgrade', '--yes', '--offline'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `✔ Mattermost ${NEW} answers: the interrupted upgrade ${OLD} → ${NEW} is recorded as done.`,
    );
    expect(r.stdout).toBe(`✔ Mattermost upgraded: ${OLD} → ${NEW} (resumed).\n`);
    expect(await ping()).toBe(NEW);
    expect(await login()).toBe(200);
    expect(state()).toMatchObject({ release: NEW });
    expect(state().history.at(-1)).toMatchObject({ from: OLD, to: NEW, result: 'upgraded (resumed)' });
    expect(state().history.at(-1).backup).toMatch(/mattermost-.*-10\.11\.23-to-11\.7\.15\.tar$/);
    expect(state().upgradeJournal).toBeUndefined();
    expect(existsSync(join(dataDir(), '.env.before-upgrade'))).toBe(false);
  }, 150_000);
});
