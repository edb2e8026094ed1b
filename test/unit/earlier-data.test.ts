import { describe, expect, it } from 'vitest';
import type { HostProbe } from '../../src/core/checks.js';
import { earlierDataCheck } from '../../src/core/earlier-data.js';

/** A probe whose Docker has these volumes labelled with the project. */
const probe = (volumes: Record<string, string[]>) =>
  ({ composeVolumes: async (project: string) => volumes[project] ?? [] }) as unknown as HostProbe;

describe('the earlier-data check (a fresh install over an uninstalled one of the same name)', () => {
  it('warns before the review when the project still has volumes: the old admin stays, and how to start empty', async () => {
    const r = await earlierDataCheck.run(probe({ 'rocketchat-1234': ['rocketchat-1234_mongodb_data'] }), {
      project: 'rocketchat-1234',
      installed: false,
      answers: { name: 'rocketchat' },
    });
    expect(r.status).toBe('warn');
    expect(r.detail).toContain(
      'Docker volume rocketchat-1234_mongodb_data of an earlier install named rocketchat',
    );
    expect(r.detail).toContain('the first admin is the earlier one, with the earlier password');
    expect(r.remedy).toContain('docker volume rm rocketchat-1234_mongodb_data');
  });

  it('is fine on an empty host, and on a re-run of the same install (its own volumes)', async () => {
    const volumes = { p: ['p_db'] };
    expect((await earlierDataCheck.run(probe({}), { project: 'p', installed: false })).status).toBe('ok');
    const rerun = await earlierDataCheck.run(probe(volumes), { project: 'p', installed: true });
    expect(rerun).toEqual({ status: 'ok', detail: "this install's own volumes" });
  });
});
