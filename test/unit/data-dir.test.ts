import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveAnswers } from '../../src/core/answers.js';
import { type PathFacts, validateDataDir } from '../../src/core/paths.js';
import { pathFacts } from '../../src/system/files.js';
import { platforms } from '../../steps/index.js';
import { tmpRoot } from '../helpers/tmp.js';

const refused = (path: string, facts?: PathFacts, extra: Parameters<typeof validateDataDir>[1] = {}) => {
  const v = validateDataDir(path, { ...(facts ? { facts: () => facts } : {}), ...extra });
  if (v.ok) throw new Error(`${JSON.stringify(path)} was accepted`);
  return v.error;
};

describe('the data dir validation (one for flag, env var, answers file and question)', () => {
  it.each([
    ['/', 'is a system folder'],
    ['/etc', 'is a system folder'],
    ['/etc/mastodon', 'is in a system folder'],
    ['/usr', 'is a system folder'],
    ['/usr/local/chat', 'is in a system folder'],
    ['/bin', 'is a system folder'],
    ['/sbin', 'is a system folder'],
    ['/lib', "in the system's libraries"],
    ['/lib64', "in the system's libraries"],
    ['/lib/x86_64-linux-gnu', "in the system's libraries"],
    ['/boot', 'is a system folder'],
    ['/dev', 'is a system folder'],
    ['/proc', 'is a system folder'],
    ['/sys', 'is a system folder'],
    ['/run', 'is a system folder'],
    ['/var', 'is a system folder'],
    ['/var/lib', 'is a system folder'],
    ['/opt', 'is a system folder'],
    ['/var/lib/docker', 'belongs to Docker'],
    ['/var/lib/docker/volumes/x', 'belongs to Docker'],
    ['/root', 'is the home folder'],
    ['/root/chat', 'is in a home folder'],
    ['/home', 'is the home folder'],
    ['/home/x', 'is in a home folder'],
    ['/home/x/chat', 'is in a home folder'],
    ['/var/lib/wizard', "is the wizard's own folder"],
    ['/var/log/wizard', "is the wizard's own folder"],
    ['/opt/wizard', "is the wizard's own folder"],
    ['/opt/wizard/releases', "is the wizard's own folder"],
    ['/tmp/chat', 'is a temporary folder'],
  ])('refuses %s (%s)', (path, why) => {
    expect(refused(path)).toContain(why);
    // Whatever the trailing slash.
    if (path !== '/') expect(refused(`${path}/`)).toContain(why);
  });

  it('refuses control characters, relative and unnormalised paths', () => {
    expect(refused('/opt/chat\nx')).toBe('The data dir "/opt/chat\\nx" holds a control character.');
    expect(refused('/opt/chat\u0007')).toContain('control character');
    expect(refused('/opt/\u009bchat')).toContain('control character');
    expect(refused('opt/chat')).toContain('is not an absolute, normalised folder path');
    expect(refused('/opt/../etc')).toContain('is not an absolute, normalised folder path');
    expect(refused('/opt//chat')).toContain('is not an absolute, normalised folder path');
  });

  it('refuses a file, a path through a file, a non-folder, and a folder that holds something else', () => {
    expect(refused('/srv/chat', { kind: 'file' })).toBe('/srv/chat is a file, not a folder.');
    expect(refused('/srv/chat/x', { kind: 'under-file' })).toBe(
      'A part of /srv/chat/x is a file, not a folder.',
    );
    expect(refused('/srv/chat', { kind: 'other' })).toContain('is not a folder');
    expect(refused('/srv/chat', { kind: 'dir', empty: false })).toBe(
      '/srv/chat is not empty and is not an install of this wizard.',
    );
    expect(
      refused('/srv/chat', { kind: 'dir', empty: true }, { recordedBy: () => 'team', name: 'mattermost' }),
    ).toBe('/srv/chat is the data dir of the install "team".');
    expect(refused('/srv/chat', { kind: 'dir', empty: true, real: '/etc/chat' })).toContain(
      '/srv/chat leads to /etc/chat: /etc/chat is in a system folder',
    );
  });

  it("accepts a new or empty folder, and this install's own (not empty) one", () => {
    expect(validateDataDir('/srv/chat/')).toEqual({ ok: true, value: '/srv/chat' });
    expect(validateDataDir(' /opt/mattermost ', { facts: () => ({ kind: 'missing' }) })).toEqual({
      ok: true,
      value: '/opt/mattermost',
    });
    expect(validateDataDir('/opt/mattermost', { facts: () => ({ kind: 'dir', empty: true }) }).ok).toBe(true);
    expect(
      validateDataDir('/opt/mattermost', {
        facts: () => ({ kind: 'dir', empty: false }),
        recordedBy: () => 'mattermost',
        name: 'mattermost',
      }).ok,
    ).toBe(true);
  });

  it('flags, env vars and answers files go through it (resolveAnswers)', () => {
    const r = resolveAnswers([{ platform: 'mastodon', dataDir: '/etc' }], platforms);
    expect(r.errors.map((e) => e.key)).toEqual(['dataDir']);
    expect(r.errors[0]?.error).toContain('/etc is a system folder');
    const file = resolveAnswers([{}, {}, { platform: 'mastodon', dataDir: ['/a'] }], platforms);
    expect(file.errors[0]?.error).toContain('is not an absolute, normalised folder path');
  });

  it('looks at the real folder under WIZARD_ROOT: a file, a folder with something in it, a link out to /etc', () => {
    const root = tmpRoot();
    const facts = pathFacts(root, (p) => join(root, p));
    mkdirSync(join(root, 'srv/full'), { recursive: true });
    writeFileSync(join(root, 'srv/full/x'), '');
    writeFileSync(join(root, 'srv/file'), '');
    mkdirSync(join(root, 'srv/empty'));
    symlinkSync('/etc', join(root, 'srv/etc-link'));
    symlinkSync(join(root, 'srv/empty'), join(root, 'srv/empty-link'));
    symlinkSync(join(root, 'nowhere'), join(root, 'srv/dangling'));
    expect(facts('/srv/new')).toEqual({ kind: 'missing' });
    expect(facts('/srv/file')).toEqual({ kind: 'file' });
    expect(facts('/srv/file/x')).toEqual({ kind: 'under-file' });
    expect(facts('/srv/full')).toEqual({ kind: 'dir', empty: false, real: '/srv/full' });
    expect(facts('/srv/empty-link')).toEqual({ kind: 'dir', empty: true, real: '/srv/empty' });
    expect(facts('/srv/etc-link')).toMatchObject({ kind: 'dir', real: '/etc' });
    expect(facts('/srv/dangling')).toEqual({ kind: 'other' });
  });
});
