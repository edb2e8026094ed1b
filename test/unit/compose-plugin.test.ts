import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HttpClient } from '../../src/core/context.js';
import type { StartStage } from '../../src/core/platform.js';
import { stageProbe } from '../../src/engine/stage-probe.js';
import { composePlugin, SYSTEM_PLUGIN_DIRS } from '../../src/system/compose-plugin.js';
import { FetchHttpClient, tcpAccepts } from '../../src/system/http.js';
import { ExecaRunner } from '../../src/system/runner.js';
import { findPlatform } from '../../steps/index.js';
import { createMockContext, createMockRunner } from '../helpers/factories.js';
import type { FakeRow } from '../helpers/fake-runner.js';
import { MemoryLogger } from '../helpers/memory-logger.js';
import { tmpRoot } from '../helpers/tmp.js';

const asRoot = process.getuid?.() === 0;
// The docker CLI of this machine: the look-up trusts a `docker` under /usr, /bin or /sbin only.
const systemPath = '/usr/local/bin:/usr/bin:/bin';

/** A docker config folder whose cli-plugins holds `docker-compose` (a script), as given. */
function configWithPlugin(opts: { mode?: number; uid?: number; link?: boolean } = {}) {
  const dir = tmpRoot();
  mkdirSync(join(dir, 'cli-plugins'));
  const plugin = join(dir, 'cli-plugins/docker-compose');
  if (opts.link) {
    writeFileSync(join(dir, 'real-compose'), '#!/bin/sh\necho "$@"\n', { mode: 0o755 });
    symlinkSync(join(dir, 'real-compose'), plugin);
  } else writeFileSync(plugin, '#!/bin/sh\necho "$@"\n', { mode: 0o755 });
  if (opts.mode !== undefined) chmodSync(plugin, opts.mode);
  if (opts.uid !== undefined) chownSync(plugin, opts.uid, opts.uid);
  return { dir, plugin };
}

describe('the compose plugin look-up (docker compose without the docker CLI in between)', () => {
  it.runIf(asRoot)(
    "finds the plugin where the docker CLI looks first: the config folder's cli-plugins",
    () => {
      const { dir, plugin } = configWithPlugin();
      expect(composePlugin({ PATH: systemPath, DOCKER_CONFIG: dir })).toBe(plugin);
    },
  );

  it.runIf(asRoot)('then the system folders, in the CLI order', () => {
    const empty = tmpRoot();
    const found = composePlugin({ PATH: systemPath, DOCKER_CONFIG: empty });
    // This machine has Compose in one of them (CI installs it); the first one holding it is the answer.
    expect(SYSTEM_PLUGIN_DIRS.map((d) => join(d, 'docker-compose'))).toContain(found);
  });

  it.runIf(asRoot)('none when another uid can change the plugin root would run (planted)', () => {
    for (const opts of [{ uid: 2000 }, { mode: 0o775 }, { mode: 0o757 }]) {
      const { dir } = configWithPlugin(opts);
      expect(composePlugin({ PATH: systemPath, DOCKER_CONFIG: dir }), JSON.stringify(opts)).toBeUndefined();
    }
  });

  it.runIf(asRoot)('none when the first one found is a link, or not executable (left to the CLI)', () => {
    expect(
      composePlugin({ PATH: systemPath, DOCKER_CONFIG: configWithPlugin({ link: true }).dir }),
    ).toBeUndefined();
    expect(
      composePlugin({ PATH: systemPath, DOCKER_CONFIG: configWithPlugin({ mode: 0o644 }).dir }),
    ).toBeUndefined();
  });

  it.runIf(asRoot)(
    'none when `docker` on PATH is not a system program (a wrapper of the admin, a test fake)',
    () => {
      const { dir } = configWithPlugin();
      const bin = tmpRoot();
      writeFileSync(join(bin, 'docker'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      expect(composePlugin({ PATH: `${bin}:${systemPath}`, DOCKER_CONFIG: dir })).toBeUndefined();
      expect(composePlugin({ PATH: '', DOCKER_CONFIG: dir })).toBeUndefined();
    },
  );

  it.runIf(asRoot)('none when extra plugin folders are configured (the CLI would look there first)', () => {
    const { dir } = configWithPlugin();
    expect(
      composePlugin({ PATH: systemPath, DOCKER_CONFIG: dir, DOCKER_CLI_PLUGIN_EXTRA_DIRS: '/x' }),
    ).toBeUndefined();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ cliPluginsExtraDirs: ['/srv/plugins'] }));
    expect(composePlugin({ PATH: systemPath, DOCKER_CONFIG: dir })).toBeUndefined();
  });
});

describe('the runner with the compose plugin', () => {
  it('runs `docker compose ARGS` as PLUGIN ARGS, logs it as docker compose, and says so once', async () => {
    const { plugin } = configWithPlugin();
    const log = new MemoryLogger();
    const runner = new ExecaRunner(log);
    runner.runComposeAs(plugin);
    const r = await runner.run({ file: 'docker', args: ['compose', '--project-name', 'p', 'ps', '--quiet'] });
    expect(r.stdout).toBe('--project-name p ps --quiet');
    expect(r.command).toBe('docker compose --project-name p ps --quiet');
    await runner.run({ file: 'docker', args: ['compose', 'version'] });
    const text = log.lines.join('\n');
    expect(text).toContain('$ docker compose --project-name p ps --quiet');
    expect(text.match(/docker compose runs as /g)).toHaveLength(1);
    // Other docker commands are the docker CLI's.
    const other = await runner.run({ file: 'sh', args: ['-c', 'echo other'] });
    expect(other.stdout).toBe('other');
  });

  it('goes back to the docker CLI when the plugin is gone (an update moved it)', async () => {
    const log = new MemoryLogger();
    const runner = new ExecaRunner(log);
    runner.runComposeAs('/nonexistent/docker-compose');
    const r = await runner.run({ file: 'docker', args: ['compose', 'version', '--short'] });
    // The docker CLI ran it (this machine has one, with Compose).
    expect(r.stdout).toMatch(/^v?2\./);
    expect(log.lines.join('\n')).toContain('did not start');
    expect(log.lines.join('\n')).toContain('docker compose runs through docker');
    // And keeps doing so: the plugin is not tried again.
    await runner.run({ file: 'docker', args: ['compose', 'version', '--short'] });
    expect(log.lines.join('\n').match(/did not start/g)).toHaveLength(1);
  });
});

describe('a port in the start order', () => {
  const rc = findPlatform('rocketchat');
  if (!rc) throw new Error('no rocketchat');
  const stage: StartStage = {
    title: 'MongoDB',
    services: ['mongodb'],
    until: { kind: 'port', service: 'mongodb', port: 0 },
  };
  /** A stack context of project p whose runner answers `rows` and whose network is `http`. */
  const stackAt = (rows: FakeRow[], http: HttpClient = new FetchHttpClient()) =>
    createMockContext({
      platform: rc,
      answers: { dataDir: '/opt/rocketchat', offline: true } as never,
      project: 'p',
      runner: createMockRunner({ rows }),
      http,
    });
  const inspectRow = (state: string, ip: string) => ({
    match: /^docker inspect --format .* p-mongodb-1$/,
    stdout: ['p', 'mongodb', state, '0', '', 'default', `${ip} `].join('\t'),
  });

  it('is up once the container takes connections on its address; refused until then', async () => {
    const server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const ctx = stackAt([inspectRow('running', '127.0.0.1')]);
    const s = { ...stage, until: { ...stage.until, port } } as StartStage;
    try {
      expect(await stageProbe(ctx, s, { output: () => {} }, {})).toEqual({ done: true, value: undefined });
    } finally {
      await new Promise((r) => server.close(r));
    }
    const refused = await stageProbe(ctx, s, { output: () => {} }, {});
    expect(refused).toMatchObject({ done: false, detail: `mongodb port ${port}: connection refused` });
  });

  it('is not up while its container is not running, and asks Compose when the name is not Compose v2s', async () => {
    const stopped = stackAt([inspectRow('restarting', '172.18.0.2')]);
    expect(await stageProbe(stopped, stage, { output: () => {} }, {})).toMatchObject({
      done: false,
      detail: 'mongodb is not running yet',
    });
    // A container named otherwise (container_name): not found by name, found by Compose, inspected by ID.
    const memo: { address?: string } = {};
    const named = stackAt(
      [
        { match: /^docker inspect --format .* p-mongodb-1$/, exitCode: 1, stderr: 'Error: No such object' },
        {
          match: / ps --all --format json mongodb$/,
          stdout: '{"ID":"abc123","Service":"mongodb","State":"running"}',
        },
        {
          match: /^docker inspect --format .* abc123$/,
          stdout: ['p', 'mongodb', 'running', '0', '', 'host', ''].join('\t'),
        },
      ],
      { request: async () => ({ status: 200, body: '' }), connect: async () => {} },
    );
    expect(await stageProbe(named, stage, { output: () => {} }, memo)).toEqual({
      done: true,
      value: undefined,
    });
    // On the host's network, it takes connections on the host's loopback.
    expect(memo.address).toBe('127.0.0.1');
  });

  it('a TCP connect says why it failed', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await new Promise((r) => server.close(r));
    await expect(tcpAccepts('127.0.0.1', port)).rejects.toThrow('connection refused');
  });
});
