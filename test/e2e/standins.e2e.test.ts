// Proves the stand-in images and the rocketchat-compose fixture behave like upstream's stack: a clone of the
// fixture repository comes up with `docker compose ... up -d --pull never`, Rocket.Chat answers /api/info, the
// admin from ADMIN_* can log in (a wrong password cannot), and a restart does not insert the admin again.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable, ensureStandinImages, makeFixtureRepo } from './helpers/standins.js';

const exec = promisify(execFile);
const RELEASE = '8.0.1';
const ADMIN = { username: 'admin', password: 'S3cret-pass!', email: 'admin@example.com' };

// The e2e suite never skips: without an engine it fails, and says how to get one.
if (!(await dockerAvailable()))
  throw new Error('the e2e stand-in test needs Docker: run .ci/setup-docker.sh');

/** A TCP port that is free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('stand-in images with the rocketchat-compose fixture', () => {
  let tmp = '';
  let clone = '';
  let hostPort = 0;
  const project = `wizard-standins-${process.pid}-${Date.now().toString(36)}`;
  const files = ['-f', 'compose.database.yml', '-f', 'compose.yml', '-f', 'override.yml'];

  async function compose(...args: string[]): Promise<string> {
    const { stdout, stderr } = await exec('docker', ['compose', '-p', project, ...files, ...args], {
      cwd: clone,
      maxBuffer: 32 * 1024 * 1024,
    });
    return stdout + stderr;
  }

  async function logs(service?: string): Promise<string> {
    return compose('logs', '--no-color', '--no-log-prefix', ...(service ? [service] : [])).catch(
      (err: Error) => err.message,
    );
  }

  /** Polls /api/info until it reports RELEASE; fails with the stack's log tail after timeoutMs. */
  async function waitForRocketChat(timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`http://127.0.0.1:${hostPort}/api/info`, {
          signal: AbortSignal.timeout(2000),
        });
        last = `${res.status} ${await res.text()}`;
        if (res.status === 200 && last.endsWith(JSON.stringify({ version: RELEASE, success: true }))) return;
      } catch (err) {
        last = String(err);
      }
      await sleep(1000);
    }
    const tailOfLogs = (await logs()).split('\n').slice(-60).join('\n');
    throw new Error(
      `Rocket.Chat did not answer /api/info within ${timeoutMs} ms (last: ${last}). Logs:\n${tailOfLogs}`,
    );
  }

  function login(user: string, password: string): Promise<Response> {
    return fetch(`http://127.0.0.1:${hostPort}/api/v1/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user, password }),
    });
  }

  async function adminCount(): Promise<number> {
    const { stdout } = await exec(
      'docker',
      [
        'compose',
        '-p',
        project,
        ...files,
        'exec',
        '-T',
        'mongodb',
        'mongosh',
        '--quiet',
        'mongodb://localhost:27017/rocketchat',
        '--eval',
        `db.users.countDocuments({ username: ${JSON.stringify(ADMIN.username)} })`,
      ],
      { cwd: clone },
    );
    return Number(stdout.trim());
  }

  beforeAll(async () => {
    await ensureStandinImages();
    tmp = await mkdtemp(path.join(os.tmpdir(), 'wizard-standins-'));
    const repo = await makeFixtureRepo(tmp, 'rocketchat-compose');
    clone = path.join(tmp, 'rocketchat-compose');
    await exec('git', ['clone', '--quiet', repo, clone]);

    hostPort = await freePort();
    const env = {
      RELEASE,
      MONGODB_VERSION: '8.2',
      ROOT_URL: 'http://localhost',
      PORT: '3000',
      HOST_PORT: String(hostPort),
      BIND_IP: '127.0.0.1',
      METRICS_PORT: String(await freePort()),
      // The container side stays on 27017/4222; only the host side moves, so stacks can run side by side.
      MONGODB_PORT_NUMBER: '27017',
      MONGODB_HOST_PORT: String(await freePort()),
      NATS_PORT_NUMBER: String(await freePort()),
    };
    await writeFile(
      path.join(clone, '.env'),
      Object.entries(env)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
    );
    await writeFile(
      path.join(clone, 'override.yml'),
      `services:\n  rocketchat:\n    environment:\n      ADMIN_USERNAME: ${ADMIN.username}\n      ADMIN_PASS: "${ADMIN.password}"\n      ADMIN_EMAIL: ${ADMIN.email}\n`,
    );
    await compose('up', '-d', '--pull', 'never');
  });

  afterAll(async () => {
    if (clone) await compose('down', '-v', '--remove-orphans', '--timeout', '5').catch(() => {});
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('starts Rocket.Chat on the replica set initiated by mongodb-init-container', async () => {
    await waitForRocketChat();
    const init = await compose(
      'ps',
      '-a',
      '--format',
      '{{.Service}} {{.State}} {{.ExitCode}}',
      'mongodb-init-container',
    );
    expect(init.trim()).toBe('mongodb-init-container exited 0');
    expect(await logs('mongodb-init-container')).toContain('{ ok: 1 }');
    const rocketchat = await logs('rocketchat');
    expect(rocketchat).toContain('SERVER RUNNING');
    expect(rocketchat).toContain(`Rocket.Chat Version: ${RELEASE}`);
  });

  it('logs in the admin from ADMIN_* by username or email, and rejects a wrong password', async () => {
    for (const user of [ADMIN.username, ADMIN.email]) {
      const res = await login(user, ADMIN.password);
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        status: string;
        data: {
          userId: string;
          authToken: string;
          me: { username: string; emails: { address: string }[]; roles: string[] };
        };
      };
      expect(body.status).toBe('success');
      expect(body.data.authToken).toMatch(/\S{20,}/);
      expect(body.data.me.username).toBe(ADMIN.username);
      expect(body.data.me.emails[0]?.address).toBe(ADMIN.email);
      expect(body.data.me.roles).toEqual(['admin', 'user']);
    }
    const wrong = await login(ADMIN.username, 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ status: 'error', error: 'Unauthorized', message: 'Unauthorized' });
  });

  it('does not insert the admin again when the rocketchat container restarts', async () => {
    expect(await adminCount()).toBe(1);
    await compose('restart', 'rocketchat');
    await waitForRocketChat();
    expect(await adminCount()).toBe(1);
    // The daemon writes container logs asynchronously: give the second "SERVER RUNNING" box a moment.
    let rocketchat = '';
    for (let i = 0; i < 20 && (rocketchat.match(/SERVER RUNNING/g) ?? []).length < 2; i++) {
      if (i) await sleep(250);
      rocketchat = await logs('rocketchat');
    }
    expect(rocketchat.match(/SERVER RUNNING/g)).toHaveLength(2);
    expect(rocketchat.match(/Inserting admin user:/g)).toHaveLength(1);
    expect((await login(ADMIN.username, ADMIN.password)).status).toBe(200);
  });
});
