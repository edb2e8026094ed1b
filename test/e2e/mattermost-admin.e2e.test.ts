import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/core/envfile.js';
import { type E2eInstall, e2eInstall, removeE2eInstall } from './helpers/install.js';
import { runWizard } from './helpers/wizard.js';

/** Mattermost's first admin named by --admin-username (it was dropped before), on the real engine. */
describe("Mattermost's first admin, named by --admin-username", () => {
  let i: E2eInstall | undefined;
  beforeAll(async () => {
    i = await e2eInstall({
      prefix: 'wizard-e2e-mm-admin-',
      platform: 'mattermost',
      args: ['--admin-username', 'Boss'],
    });
  });
  afterAll(() => removeE2eInstall(i));

  it('creates that admin with mmctl in the container, and it logs in as a system admin', async () => {
    if (!i) throw new Error('no install');
    const env = parseEnv(readFileSync(join(i.dataDir, '.env'), 'utf8')).values;
    // Stored as Mattermost stores it: lower-cased.
    expect(env.ADMIN_USERNAME).toBe('boss');
    const res = await fetch(`http://127.0.0.1:${i.port}/api/v4/users/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-requested-with': 'XMLHttpRequest' },
      body: JSON.stringify({ login_id: 'boss', password: env.ADMIN_PASSWORD }),
    });
    expect(res.status).toBe(200);
    const me = (await res.json()) as { username: string; roles: string };
    expect(me.username).toBe('boss');
    expect(me.roles.split(' ')).toContain('system_admin');
  });

  it('a name Mattermost keeps for itself is refused before anything is done (exit 2)', async () => {
    if (!i) throw new Error('no install');
    const r = await runWizard(
      [
        'install',
        '--platform',
        'mattermost',
        '--name',
        'mm2',
        '--data-dir',
        '/opt/mm2',
        '--domain',
        'localhost',
        '--email',
        'a@example.com',
        '--tls',
        'none',
        '--admin-username',
        'system',
        '--yes',
      ],
      i.env,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"system" is reserved by Mattermost.');
  });
});
