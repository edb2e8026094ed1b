// Host readiness in network namespaces: a "public" namespace (DNS server, echo service, outside probe)
// reaches a "server" namespace (where the wizard's checks run) through a veth pair. Firewall rules are
// changed only inside the server namespace; the host's own rules are never touched.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckOutcome } from '../../src/core/checks.js';
import type { Logger } from '../../src/core/context.js';
import { detectFirewall, openPorts } from '../../src/system/firewall.js';
import { ExecaRunner } from '../../src/system/runner.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const id = (process.pid % 100000).toString(36);
const PUB = `wzr-pub-${id}`;
const SRV = `wzr-srv-${id}`;
const VP = `wzp${id}`;
const VS = `wzs${id}`;
const PUB_IP = '10.213.77.1';
const SRV_IP = '10.213.77.2';
const DOMAIN = 'chat.wz.test';
const node = process.execPath;

const log: Logger = { path: '-', info() {}, warn() {}, error() {}, addSecret() {} };
const runner = new ExecaRunner(log);
const inNs = (ns: string, ...argv: string[]) => run('ip', ['netns', 'exec', ns, ...argv]);

let dir = '';
let mapFile = '';
let bundle = '';
const children: ChildProcess[] = [];

function startIn(ns: string, args: string[]): Promise<void> {
  const child = spawn('ip', ['netns', 'exec', ns, node, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`${args[0]} exited ${code}`)));
  });
}

async function checks(
  env: Record<string, string> = {},
): Promise<{ ms: number; byId: Record<string, CheckOutcome> }> {
  const { stdout } = await run('ip', ['netns', 'exec', SRV, node, bundle, DOMAIN, 'letsencrypt'], {
    env: {
      PATH: process.env.PATH ?? '',
      WIZARD_ECHO_URL: `http://${PUB_IP}:8080/`,
      WIZARD_PUBLIC_RESOLVER: PUB_IP,
      WIZARD_PROBE_URL: `http://${PUB_IP}:8081/`,
      ...env,
    },
    timeout: 60_000,
  });
  const r = JSON.parse(stdout) as { ms: number; outcomes: CheckOutcome[] };
  return { ms: r.ms, byId: Object.fromEntries(r.outcomes.map((o) => [o.id, o])) };
}

const pointAt = (ip: string) => writeFile(mapFile, JSON.stringify({ [DOMAIN]: ip, 'wz.test': [] }));

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'wizard-readiness-'));
  mapFile = path.join(dir, 'zone.json');
  bundle = path.join(dir, 'readiness-runner.mjs');
  await build({
    entryPoints: [path.join(here, 'netns/readiness-runner.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    outfile: bundle,
    logLevel: 'warning',
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  await run('ip', ['netns', 'add', PUB]);
  await run('ip', ['netns', 'add', SRV]);
  // The server namespace's system resolver is our DNS server (ip netns exec bind-mounts this file).
  await mkdir(`/etc/netns/${SRV}`, { recursive: true });
  await writeFile(`/etc/netns/${SRV}/resolv.conf`, `nameserver ${PUB_IP}\noptions timeout:1 attempts:1\n`);
  await run('ip', ['link', 'add', VP, 'netns', PUB, 'type', 'veth', 'peer', 'name', VS, 'netns', SRV]);
  await inNs(PUB, 'ip', 'addr', 'add', `${PUB_IP}/24`, 'dev', VP);
  await inNs(SRV, 'ip', 'addr', 'add', `${SRV_IP}/24`, 'dev', VS);
  for (const [ns, dev] of [
    [PUB, VP],
    [SRV, VS],
  ] as const) {
    await inNs(ns, 'ip', 'link', 'set', dev, 'up');
    await inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
  }
  // The veth's carrier comes up a moment later; until then the interface has no RUNNING flag and Node lists no address.
  for (let i = 0; i < 50; i++) {
    const { stdout } = await inNs(SRV, 'ip', '-br', 'link', 'show', 'dev', VS);
    if (/\bUP\b/.test(stdout)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await pointAt('10.213.77.9');
  await startIn(PUB, [path.join(here, 'netns/dns-server.mjs'), PUB_IP, '53', mapFile]);
  await startIn(PUB, [path.join(here, 'netns/dns-server.mjs'), PUB_IP, '5353', mapFile, '--silent']);
  await startIn(PUB, [path.join(here, 'netns/outside.mjs'), PUB_IP, '8080', '8081', PUB_IP]);
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.pid) c.kill('SIGTERM');
  await run('ip', ['netns', 'del', PUB]).catch(() => undefined);
  await run('ip', ['netns', 'del', SRV]).catch(() => undefined);
  await rm(`/etc/netns/${SRV}`, { recursive: true, force: true });
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('host readiness in network namespaces', () => {
  it('DNS points elsewhere', async () => {
    await pointAt('10.213.77.9');
    const { byId } = await checks();
    expect(byId['public-address'], byId['public-address']?.detail).toMatchObject({ status: 'ok' });
    expect(byId['public-address']?.detail).toContain(SRV_IP);
    expect(byId.dns?.status).toBe('warn');
    expect(byId.dns?.detail).toMatch(
      /^points elsewhere: chat\.wz\.test -> 10\.213\.77\.9, but this server is 10\.213\.77\.2/,
    );
    expect(byId.dns?.remedy).toContain(`${DOMAIN}. 300 IN A ${SRV_IP}`);
    expect(byId.reachability).toMatchObject({ status: 'warn' });
    expect(byId.reachability?.detail).toMatch(/^DNS is wrong/);
  });

  it('a firewall drops port 80 -> "a firewall drops the port"; opening it makes the round trip pass', async () => {
    await pointAt(SRV_IP);
    await inNs(SRV, 'nft', 'add', 'table', 'inet', 'filter');
    await inNs(
      SRV,
      'nft',
      'add',
      'chain',
      'inet',
      'filter',
      'input',
      '{ type filter hook input priority 0; policy accept; }',
    );
    await inNs(
      SRV,
      'nft',
      'add',
      'rule',
      'inet',
      'filter',
      'input',
      'iifname',
      VS,
      'tcp',
      'dport',
      '80',
      'drop',
    );

    const blocked = await checks();
    expect(blocked.byId.dns).toMatchObject({ status: 'ok' });
    expect(blocked.byId.firewall).toMatchObject({
      status: 'warn',
      detail: 'nftables keeps closed: 80 (chain inet filter input).',
    });
    expect(blocked.byId.reachability?.status).toBe('fail');
    expect(blocked.byId.reachability?.detail).toMatch(
      /^a firewall drops port 80: from this host: HTTP 200, the token; from outside: timeout/,
    );

    // The firewall module, aimed at the namespace through its prefix, opens exactly the closed port.
    const target = { runner, prefix: ['ip', 'netns', 'exec', SRV] };
    const facts = await detectFirewall(target, [80, 443]);
    expect(facts).toMatchObject({ tool: 'nftables', closed: [80] });
    const change = await openPorts(target, facts, facts.closed);
    expect(change).toMatchObject({
      tool: 'nftables',
      ports: [80],
      commands: ['nft insert rule inet filter input tcp dport 80 accept'],
    });
    expect((await detectFirewall(target, [80, 443])).closed).toEqual([]);

    const open = await checks();
    expect(open.byId.firewall).toMatchObject({ status: 'ok' });
    expect(open.byId.reachability).toMatchObject({ status: 'ok' });
    expect(open.byId.reachability?.detail).toMatch(
      /from this host: HTTP 200, the token; from outside: HTTP 200, the token/,
    );
    expect(open.byId.caa).toMatchObject({ status: 'ok' });
  });

  it('a resolver that never answers: bounded time, a clear warning', async () => {
    await pointAt(SRV_IP);
    const t0 = Date.now();
    const { byId, ms } = await checks({ WIZARD_PUBLIC_RESOLVER: `${PUB_IP}:5353` });
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(ms).toBeLessThan(15_000);
    expect(byId.dns?.status).toBe('warn');
    expect(byId.dns?.detail).toMatch(/did not answer: ETIMEOUT/);
  });
});
