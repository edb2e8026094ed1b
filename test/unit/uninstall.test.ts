import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../src/commands/deps.js';
import { uninstallCommand } from '../../src/commands/uninstall.js';
import { RealFileStore } from '../../src/system/files.js';
import { type InstallRecord, StateStore } from '../../src/system/state.js';
import { platforms } from '../../steps/index.js';
import { type FakeRow, FakeRunner } from '../helpers/fake-runner.js';
import { MemoryLogger } from '../helpers/memory-logger.js';
import { tmpRoot } from '../helpers/tmp.js';

const record = (name: string, over: Partial<InstallRecord> = {}): InstallRecord => ({
  name,
  platform: 'mattermost',
  domain: `${name}.example.com`,
  email: 'admin@example.com',
  dataDir: `/opt/${name}`,
  release: '11.7.15',
  tls: 'letsencrypt',
  port: 8065,
  repoUrl: 'https://github.com/mattermost/docker.git',
  project: name,
  composeFiles: ['docker-compose.yml'],
  status: 'installed',
  journal: {},
  createdAt: '2026-11-22T03:00:00.000Z',
  updatedAt: '2026-11-22T03:00:00.000Z',
  ...over,
});

/** Two Mattermost installs behind the shared proxy; `chat` had ports opened by ufw and a backup schedule. */
async function host(others: InstallRecord[], rows: FakeRow[] = []) {
  const root = tmpRoot();
  const real = (p: string) => join(root, p);
  for (const d of ['/opt/chat', '/root/nginx', '/data/nginx/user_conf.d', '/etc/systemd/system'])
    mkdirSync(real(d), { recursive: true });
  writeFileSync(real('/root/nginx/compose.yml'), 'services: {}\n');
  writeFileSync(real('/data/nginx/user_conf.d/chat.example.com.conf'), 'server {}\n');
  writeFileSync(real('/etc/systemd/system/wizard-backup-chat.timer'), '[Timer]\n');
  writeFileSync(real('/etc/systemd/system/wizard-backup-chat.service'), '[Service]\n');
  const store = new StateStore(real('/var/lib/wizard'));
  await store.put(
    record('chat', {
      readiness: {
        firewall: [
          {
            tool: 'ufw',
            ports: [80, 443, 8443],
            commands: ['ufw allow 80/tcp', 'ufw allow 443/tcp', 'ufw allow 8443/tcp'],
            at: 'x',
          },
        ],
      },
      backupSchedule: {
        period: 'daily',
        keep: 7,
        to: '/opt/chat/backups',
        unit: 'wizard-backup-chat',
        enabled: true,
        at: 'x',
      },
    }),
  );
  for (const o of others) await store.put(o);
  const runner = new FakeRunner([
    ...rows,
    { match: /^docker compose .* (down|stop) / },
    { match: /^docker ps /, stdout: 'c1\nc2\n' },
    { match: /^docker rm --force --volumes c1 c2$/ },
    { match: /^docker (network ls|volume ls) / },
    { match: /^docker compose --project-name wizard-proxy .* (kill -s SIGHUP nginx|down)/ },
    { match: /^ufw delete allow / },
    { match: /^systemctl disable --now wizard-backup-chat\.timer$/ },
  ]);
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const deps = {
    env: {
      root,
      hostPath: real,
      stateDir: real('/var/lib/wizard'),
      projectName: (n: string) => n,
      pollIntervalMs: 5,
      env: {},
    },
    term: { stdin: new PassThrough(), stdout, stderr: new PassThrough(), interactive: false },
    runner,
    files: new RealFileStore(real),
    http: { request: async () => ({ status: 200, body: '' }) },
    log: new MemoryLogger(),
    state: () => store,
    platforms,
    templates: () => '',
    version: '0.1.0',
  } as unknown as Deps;
  return { root, real, runner, deps, store, out: () => out };
}

describe('wizard uninstall (fake runner)', () => {
  it('the last install behind the proxy: containers, site, proxy, its own firewall ports and schedule go; data kept', async () => {
    const h = await host([
      record('other', {
        tls: 'none',
        readiness: { firewall: [{ tool: 'ufw', ports: [8443], commands: [], at: 'x' }] },
      }),
    ]);
    expect(await uninstallCommand({ install: 'chat', yes: true, backup: false }, h.deps)).toBe(0);
    const calls = h.runner.calls.map((c) => c.replaceAll(h.root, ''));
    expect(calls).toEqual([
      'docker compose --project-name chat --project-directory /opt/chat -f docker-compose.yml stop --timeout 30',
      'docker ps --all --quiet --filter label=com.docker.compose.project=chat',
      'docker rm --force --volumes c1 c2',
      'docker compose --project-name chat --project-directory /opt/chat -f docker-compose.yml down --remove-orphans',
      'docker network ls --quiet --filter label=com.docker.compose.project=chat',
      'docker compose --project-name wizard-proxy -f /root/nginx/compose.yml down --remove-orphans',
      // 8443 stays open: the other install needs it.
      'ufw delete allow 80/tcp',
      'ufw delete allow 443/tcp',
      'systemctl disable --now wizard-backup-chat.timer',
    ]);
    expect(existsSync(h.real('/data/nginx/user_conf.d/chat.example.com.conf'))).toBe(false);
    expect(existsSync(h.real('/etc/systemd/system/wizard-backup-chat.timer'))).toBe(false);
    expect(existsSync(h.real('/opt/chat'))).toBe(true);
    expect(h.store.get('chat')).toBeUndefined();
    expect(h.store.removed('chat')).toMatchObject({ purged: false, platform: 'mattermost' });
    expect(h.out()).toContain('✔ chat (Mattermost) uninstalled.');
    expect(h.out()).toContain(`kept     data ${h.real('/opt/chat')}`);
  });

  it('another install still uses the proxy: only this site goes, and nginx reloads; 80 and 443 stay open', async () => {
    const h = await host([record('other')]);
    expect(await uninstallCommand({ install: 'chat', yes: true, backup: false, purge: true }, h.deps)).toBe(
      0,
    );
    const calls = h.runner.calls.map((c) => c.replaceAll(h.root, ''));
    expect(calls).toContain(
      'docker compose --project-name wizard-proxy -f /root/nginx/compose.yml kill -s SIGHUP nginx',
    );
    expect(calls.some((c) => c.includes('wizard-proxy') && c.includes(' down'))).toBe(false);
    expect(calls.filter((c) => c.startsWith('ufw'))).toEqual(['ufw delete allow 8443/tcp']);
    expect(calls).toContain('docker volume ls --quiet --filter label=com.docker.compose.project=chat');
    expect(existsSync(h.real('/opt/chat'))).toBe(false);
    expect(existsSync(h.real('/root/nginx/compose.yml'))).toBe(true);
    // Twice: harmless, and it says so.
    expect(await uninstallCommand({ install: 'chat', yes: true }, h.deps)).toBe(0);
    expect(h.out()).toMatch(/chat was uninstalled on .* \(purged\); there is nothing left to do\./);
  });
});
