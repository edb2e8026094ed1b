import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wizard, written } from '../helpers/cli.js';
import { tmpRoot } from '../helpers/tmp.js';

const install = ['install', '--domain', 'chat.example.com', '--email', 'admin@example.com', '--yes'];

describe('no flag is silently ignored', () => {
  it('a flag of another platform is refused: exit 2, naming it and the platforms it applies to, nothing written', () => {
    const root = tmpRoot();
    const r = wizard([...install, '--platform', 'rocketchat', '--owner-username', 'boss'], {
      WIZARD_ROOT: root,
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('✖ --owner-username does not apply to Rocket.Chat: it is for Mastodon.');
    expect(r.stderr).toContain('→ Drop --owner-username, or install Mastodon.');
    expect(written(root)).toEqual([]);
    // A shared flag names every platform it is for; an env var and an answers-file key are named as such.
    const env = wizard([...install, '--platform', 'mastodon'], {
      WIZARD_ROOT: root,
      WIZARD_ADMIN_USERNAME: 'boss',
    });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain(
      'WIZARD_ADMIN_USERNAME does not apply to Mastodon: it is for Rocket.Chat and Mattermost.',
    );
    writeFileSync(join(root, 'a.yml'), 'platform: chatmail\nedition: team\n');
    const file = wizard([...install, '--answers', join(root, 'a.yml')], { WIZARD_ROOT: root });
    expect(file.code).toBe(2);
    expect(file.stderr).toContain(
      `"edition" in ${join(root, 'a.yml')} does not apply to Chatmail relay: it is for Mattermost.`,
    );
  });

  it('--port does not apply to the chatmail relay (its ports are its own)', () => {
    const root = tmpRoot();
    const r = wizard([...install, '--platform', 'chatmail', '--port', '3000'], { WIZARD_ROOT: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port does not apply to the chatmail relay');
    expect(r.stderr).toContain('→ Drop --port.');
    expect(written(root)).toEqual([]);
  });

  it("--admin-username names Mattermost's first admin (it was dropped before)", () => {
    const root = tmpRoot();
    const r = wizard([...install, '--platform', 'mattermost', '--admin-username', 'boss', '--dry-run'], {
      WIZARD_ROOT: root,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Admin username\s+boss/);
    expect(r.stderr).toMatch(/mmctl --local roles system-admin boss/);
    const bad = wizard([...install, '--platform', 'mattermost', '--admin-username', '9lives'], {
      WIZARD_ROOT: root,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"9lives" is not a valid Mattermost username.');
  });

  it('the help names the platforms a flag applies to', () => {
    const r = wizard(['install', '--help']);
    expect(r.stdout).toMatch(
      /--admin-username <value>\s+the first admin's username \(default admin\)\s+\[Rocket\.Chat, Mattermost\]/,
    );
    expect(r.stdout).toMatch(/--mongodb-port <value>[\s\S]*?\[Rocket\.Chat\]/);
  });
});
