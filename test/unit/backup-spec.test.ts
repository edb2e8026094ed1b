import { describe, expect, it } from 'vitest';
import { liveBackup } from '../../src/core/backup-spec.js';
import type { InstallContext } from '../../src/core/context.js';
import { backup as mattermost } from '../../steps/mattermost/backup.js';
import { backup as rocketchat } from '../../steps/rocketchat/backup.js';

/** A context holding only what the admin check reads: the answers, one .env, and the HTTP client (unused here). */
function ctxWith(env: string): InstallContext {
  return {
    answers: { dataDir: '/opt/x', port: 8065 },
    files: { readText: async (p: string) => (p === '/opt/x/.env' ? env : undefined) },
    http: {},
  } as unknown as InstallContext;
}

describe('liveBackup: the shared shape of a backup that keeps the app serving', () => {
  it('keeps the .env, stops nothing and says why, and checks the admin with the keys it is given', async () => {
    const seen: string[][] = [];
    const spec = liveBackup({
      dump: {
        service: 'db',
        command: ['dump'],
        file: 'db.dump',
        restore: ['restore'],
        stop: ['app'],
        scratch: { env: {}, ready: ['ping'], check: ['count'], counted: 'table' },
      },
      whyLive: 'the dump reads a snapshot',
      admin: {
        userKey: 'U',
        passwordKey: 'P',
        login: async (_http, port, user, password) => {
          seen.push([String(port), user, password]);
          return { ok: user === 'admin', detail: 'HTTP 401' };
        },
      },
    });
    expect(spec.envFiles({ dataDir: '/opt/x' } as never)).toEqual(['/opt/x/.env']);
    expect(spec.downtime).toEqual({ stop: [], why: 'none: the dump reads a snapshot' });
    expect(spec.folders).toBeUndefined();
    expect(await spec.adminLogin?.(ctxWith('U=admin\nP=s3cret\n'))).toEqual({
      ok: true,
      detail: '"admin" logs in',
    });
    expect(await spec.adminLogin?.(ctxWith('U=eve\n'))).toEqual({ ok: false, detail: 'HTTP 401' });
    expect(seen).toEqual([
      ['8065', 'admin', 's3cret'],
      ['8065', 'eve', ''],
    ]);
  });

  it('is what Mattermost and Rocket.Chat state: only their dump, folders, reason and admin keys differ', () => {
    for (const spec of [mattermost, rocketchat]) {
      expect(spec.envFiles({ dataDir: '/opt/p' } as never)).toEqual(['/opt/p/.env']);
      expect(spec.downtime.stop).toEqual([]);
      expect(spec.downtime.why).toMatch(/^none: /);
      expect(spec.adminLogin).toBeTypeOf('function');
    }
    expect(mattermost.dump?.service).toBe('postgres');
    expect(mattermost.folders?.map((f) => f.what)).toEqual([
      'config.json',
      'uploaded files',
      'server plugins',
      'client plugins',
    ]);
    expect(rocketchat.dump?.service).toBe('mongodb');
    expect(rocketchat.folders).toBeUndefined();
  });
});
