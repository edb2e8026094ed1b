import { describe, expect, it } from 'vitest';
import { blockingFailures, type HostProbe, hostChecks, installChecks } from '../../src/core/checks.js';
import { runChecks } from '../../src/engine/run-checks.js';

/** A host described by a table of facts, as recorded on real machines. */
function probe(facts: Partial<Record<keyof HostProbe, unknown>> = {}): HostProbe {
  const base: HostProbe = {
    osRelease: async () => ({ ID: 'ubuntu', VERSION_ID: '24.04', PRETTY_NAME: 'Ubuntu 24.04.1 LTS' }),
    arch: () => 'x64',
    uid: () => 0,
    memoryMiB: () => 4096,
    diskFreeGiB: async () => 50,
    portHolder: async () => undefined,
    dockerServerVersion: async () => ({ version: '27.3.1' }),
    composeVersion: async () => '2.29.7',
    cgroupV2: async () => true,
    gitVersion: async () => '2.43.0',
    resolve: async () => ({ a: ['203.0.113.7'], aaaa: [] }),
    publicAddresses: async () => ['203.0.113.7'],
  };
  const wrapped = { ...base };
  for (const [k, v] of Object.entries(facts))
    (wrapped as Record<string, unknown>)[k] =
      typeof v === 'function'
        ? v
        : typeof (base as unknown as Record<string, unknown>)[k] === 'function' &&
            ['arch', 'uid', 'memoryMiB'].includes(k)
          ? () => v
          : async () => v;
  return wrapped;
}

const run = (p: HostProbe, input = {}, ignore: string[] = []) =>
  runChecks(
    [...hostChecks, ...installChecks],
    p,
    {
      memoryMiB: 2048,
      diskGiB: 10,
      ports: [80, 443, 3000],
      answers: { domain: 'chat.example.com' },
      ...input,
    },
    { ignore },
  );
const byId = async (p: HostProbe, input = {}, ignore: string[] = []) =>
  Object.fromEntries((await run(p, input, ignore)).map((o) => [o.id, o]));

describe('checks', () => {
  it('passes a good host', async () => {
    const r = await run(probe());
    expect(r.filter((o) => o.status !== 'ok')).toEqual([]);
  });

  it('fails arm64 with a clear word', async () => {
    const r = await byId(probe({ arch: 'arm64' }));
    expect(r.arch).toMatchObject({
      status: 'fail',
      detail: "arm64 (aarch64): the platforms' images are published for amd64 only.",
    });
  });

  it('warns on an unknown distribution and on one like a supported one', async () => {
    expect((await byId(probe({ osRelease: { ID: 'arch', PRETTY_NAME: 'Arch Linux' } }))).os?.status).toBe(
      'warn',
    );
    expect(
      (
        await byId(
          probe({ osRelease: { ID: 'linuxmint', ID_LIKE: 'ubuntu debian', PRETTY_NAME: 'Linux Mint 22' } }),
        )
      ).os?.detail,
    ).toContain('not tested');
    expect((await byId(probe({ osRelease: undefined }))).os?.status).toBe('warn');
  });

  it('tells a missing docker from a stopped daemon, and warns on an old engine', async () => {
    expect((await byId(probe({ dockerServerVersion: { error: 'missing' } }))).docker?.remedy).toContain(
      'Install Docker Engine',
    );
    const stopped = await byId(
      probe({
        dockerServerVersion: { error: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock' },
      }),
    );
    expect(stopped.docker).toMatchObject({
      status: 'fail',
      remedy: 'Start it: systemctl enable --now docker',
    });
    expect(
      (await byId(probe({ dockerServerVersion: { version: '20.10.24+dfsg1' } })))['docker-version']?.status,
    ).toBe('warn');
  });

  it('fails without compose v2 or git, and when not root', async () => {
    const r = await byId(probe({ composeVersion: undefined, gitVersion: undefined, uid: 1000 }));
    expect([r.compose?.status, r.git?.status, r.root?.status]).toEqual(['fail', 'fail', 'fail']);
    expect((await byId(probe({ composeVersion: '1.29.2' }))).compose?.detail).toContain('v1');
  });

  it('warns on cgroups v1', async () => {
    expect((await byId(probe({ cgroupV2: false })))['cgroups-v2']?.status).toBe('warn');
  });

  it('fails on too little memory or disk, naming the minimum', async () => {
    const r = await byId(probe({ memoryMiB: 1024, diskFreeGiB: 3 }));
    expect(r.memory?.detail).toBe('1.0 GiB, below the 2.0 GiB this platform needs.');
    expect(r.disk?.status).toBe('fail');
  });

  it('names the process holding a port, and accepts our own proxy', async () => {
    const holder = async (p: number) =>
      p === 443 ? { process: 'apache2', pid: 812 } : p === 80 ? { process: 'nginx', pid: 90 } : undefined;
    const r = await byId(probe({ portHolder: holder }));
    expect(r.ports?.detail).toBe('in use: 80 by nginx (pid 90), 443 by apache2 (pid 812)');
    // A known culprit gets its own remedy, for any platform.
    expect(r.ports?.remedy).toMatch(/^A web server holds 80, 443 \(nginx, apache2\): stop it/);
    const other = await byId(
      probe({ portHolder: async (p: number) => (p === 80 ? { process: 'python3', pid: 7 } : undefined) }),
      { portsRemedy: 'Give it a server of its own.' },
    );
    expect(other.ports).toMatchObject({
      status: 'fail',
      detail: 'in use: 80 by python3 (pid 7)',
      remedy: 'Give it a server of its own.',
    });
    const ok = await byId(probe({ portHolder: holder }), {
      allowedPortHolders: new Map([
        [80, "the wizard's proxy"],
        [443, "the wizard's proxy"],
      ]),
    });
    expect(ok.ports?.status).toBe('ok');
  });

  it('names a container that publishes a port, its compose project, and the command that frees it', async () => {
    const holder = async (p: number) =>
      p === 3000
        ? { process: 'docker-proxy', pid: 812, container: { name: 'chat-rocketchat-1', project: 'chat' } }
        : p === 27017
          ? { process: 'docker-proxy', pid: 813, container: { name: 'mongo' } }
          : undefined;
    const r = await byId(probe({ portHolder: holder }), {
      ports: [3000, 27017],
      portFlags: { 3000: '--port', 27017: '--mongodb-port' },
    });
    expect(r.ports?.detail).toBe(
      'in use: 3000 by container chat-rocketchat-1 (compose project chat), 27017 by container mongo',
    );
    expect(r.ports?.remedy).toBe(
      'A container publishes 3000: free it with docker compose --project-name chat stop. A container publishes 27017: free it with docker stop mongo. Or use other ports: --port 3001 --mongodb-port 27018 (none leaves a loopback port unpublished).',
    );
    // There is no docker-proxy service to disable.
    expect(r.ports?.remedy).not.toContain('systemctl');
    const unnamed = await byId(
      probe({ portHolder: async (p: number) => (p === 80 ? { process: 'docker-proxy' } : undefined) }),
    );
    expect(unnamed.ports?.remedy).toBe(
      'A container publishes 80: see which with docker ps --filter publish=80, then docker stop it.',
    );
  });

  it('warns, never blocks, on DNS that is missing or points elsewhere', async () => {
    const none = await byId(probe({ resolve: { a: [], aaaa: [], error: 'ENOTFOUND' } }));
    expect(none.dns).toMatchObject({
      status: 'warn',
      remedy: 'Create an A record: chat.example.com. 300 IN A 203.0.113.7',
    });
    const elsewhere = await byId(probe({ resolve: { a: ['198.51.100.1'], aaaa: [] } }));
    expect(elsewhere.dns?.detail).toBe('chat.example.com -> 198.51.100.1, but this server is 203.0.113.7.');
    expect(blockingFailures(await run(probe({ resolve: { a: [], aaaa: [] } })))).toEqual([]);
  });

  it('turns an ignored failure into a logged warning, and bounds a hanging probe', async () => {
    const r = await byId(probe({ arch: 'arm64' }), {}, ['arch']);
    expect(r.arch).toMatchObject({ status: 'fail', ignored: true });
    const hanging = probe({ gitVersion: () => new Promise(() => {}) });
    const out = await runChecks(hostChecks, hanging, {}, { timeoutMs: 50 });
    expect(out.find((o) => o.id === 'git')).toMatchObject({
      status: 'warn',
      detail: 'no answer within 0.05 s',
    });
  });
});
