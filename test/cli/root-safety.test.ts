import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpRoot } from '../helpers/tmp.js';

const CLI = join(import.meta.dirname, '../../dist/cli.js');
const asRoot = process.getuid?.() === 0;

/**
 * Runs the built CLI without a TTY. `mount` runs it in a private mount namespace where a tmpfs is mounted first
 * (read-only, or small and filled): the mount goes away with the process.
 */
function wizard(
  args: string[],
  env: Record<string, string> = {},
  opts: { uid?: number; mount?: { at: string; readOnly?: boolean; fill?: boolean } } = {},
) {
  const full = {
    PATH: process.env.PATH,
    NO_COLOR: '1',
    WIZARD_IGNORE_CHECK: 'docker,compose,ports',
    ...env,
  };
  const node = [process.execPath, CLI, ...args];
  const [file, argv] = opts.mount
    ? [
        'unshare',
        [
          '--mount',
          '--propagation',
          'private',
          'sh',
          '-c',
          `mount -t tmpfs -o ${opts.mount.readOnly ? 'ro,' : ''}size=64k,mode=0755 tmpfs "$0" || exit 99
${opts.mount.fill ? 'dd if=/dev/zero of="$0/filler" bs=4k 2>/dev/null' : ''}
exec "$@"`,
          opts.mount.at,
          ...node,
        ],
      ]
    : [node[0] as string, node.slice(1)];
  const r = spawnSync(file, argv, {
    encoding: 'utf8',
    input: '',
    env: full,
    timeout: 30_000,
    ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Everything under the root, folders included. */
const everything = (root: string): string[] =>
  existsSync(root)
    ? readdirSync(root, { recursive: true, withFileTypes: true })
        .map((d) => join(d.parentPath, d.name).slice(root.length + 1))
        .sort()
    : [];

const install = [
  'install',
  '--platform',
  'mastodon',
  '--domain',
  'social.example.com',
  '--email',
  'a@example.com',
];

describe('the data dir: one validation for every source, before anything is created', () => {
  it.each([
    ['--data-dir /etc', [...install, '--data-dir', '/etc'], {}],
    ['WIZARD_DATA_DIR=/etc', install, { WIZARD_DATA_DIR: '/etc' }],
    ['--data-dir /etc/ (trailing slash)', [...install, '--data-dir', '/etc/'], {}],
  ])('%s: exit 2, named, and nothing created under WIZARD_ROOT (not even the lock)', (_, args, env) => {
    const root = tmpRoot();
    const r = wizard(args, { WIZARD_ROOT: root, ...env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "✖ /etc is a system folder: the wizard will not make it an install's data dir (it would own and change it as root).",
    );
    expect(r.stderr).toContain('→ Give a folder such as /opt/mattermost or /srv/chat.');
    expect(everything(root)).toEqual([]);
  });

  it('from an answers file too', () => {
    const root = tmpRoot();
    writeFileSync(join(root, 'answers.yml'), 'platform: mastodon\ndata-dir: /home/x\n');
    const r = wizard(['install', '--answers', join(root, 'answers.yml')], { WIZARD_ROOT: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('✖ /home/x is in a home folder');
    expect(everything(root)).toEqual(['answers.yml']);
  });

  it.each([
    ['/home/x', 'is in a home folder'],
    ['/', 'is a system folder'],
    ['/var/lib/docker', 'belongs to Docker'],
    ['/var/lib/wizard', "is the wizard's own folder"],
    ['/opt/chat\tx', 'holds a control character'],
  ])('--data-dir %j: exit 2 (%s)', (dir, why) => {
    const root = tmpRoot();
    const r = wizard([...install, '--data-dir', dir], { WIZARD_ROOT: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(why);
    expect(everything(root)).toEqual([]);
  });

  it('an existing file: exit 2 at once, not "Unexpected error: ENOTDIR ... This is a bug" after the checks', () => {
    const root = tmpRoot();
    mkdirSync(join(root, 'srv'));
    writeFileSync(join(root, 'srv/data'), 'mine\n');
    const r = wizard([...install, '--data-dir', '/srv/data', '--dry-run'], { WIZARD_ROOT: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('✖ /srv/data is a file, not a folder.');
    expect(r.stderr).not.toContain('This is a bug');
    expect(everything(root)).toEqual(['srv', 'srv/data']);
  });

  it("a folder holding something else (not this install's): exit 2, left as it is", () => {
    const root = tmpRoot();
    mkdirSync(join(root, 'srv/chat'), { recursive: true });
    writeFileSync(join(root, 'srv/chat/notes.txt'), 'mine\n');
    const r = wizard([...install, '--data-dir', '/srv/chat'], { WIZARD_ROOT: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('✖ /srv/chat is not empty and is not an install of this wizard.');
    expect(everything(root)).toEqual(['srv', 'srv/chat', 'srv/chat/notes.txt']);
  });
});

describe('bad input of the other mutating commands is judged before the lock', () => {
  it.each([
    ['upgrade', ['upgrade', 'nosuch', '--yes']],
    ['doctor --fix', ['doctor', 'nosuch', '--fix']],
  ])('%s with an unknown install: exit 2, nothing created', (_, cmd) => {
    const root = tmpRoot();
    const r = wizard(cmd, { WIZARD_ROOT: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('✖ No install named or serving "nosuch".');
    expect(everything(root)).toEqual([]);
  });
});

describe('environmental failures: a cause and a remedy, never "This is a bug"', () => {
  const rc = [
    'install',
    '--platform',
    'rocketchat',
    '--domain',
    'chat.example.com',
    '--email',
    'a@example.com',
  ];
  const args = [...rc, '--tls', 'none', '--yes'];

  it.runIf(asRoot)('a read-only filesystem', () => {
    const root = tmpRoot();
    const state = join(root, 'var/lib/wizard');
    mkdirSync(state, { recursive: true });
    const r = wizard(args, { WIZARD_ROOT: root }, { mount: { at: state, readOnly: true } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `✖ The filesystem holding ${state}/wizard.lock is read-only: nothing could be written there.`,
    );
    expect(r.stderr).toContain('mount -o remount,rw');
    expect(r.stderr).not.toContain('This is a bug');
  });

  it.runIf(asRoot)('a full disk', () => {
    const root = tmpRoot();
    const state = join(root, 'var/lib/wizard');
    mkdirSync(state, { recursive: true });
    const r = wizard(args, { WIZARD_ROOT: root }, { mount: { at: state, fill: true } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`✖ No space left on the disk holding ${state}/wizard.lock.`);
    expect(r.stderr).toContain(`→ Free space there (df -h ${state}`);
    expect(r.stderr).not.toContain('This is a bug');
  });

  it.runIf(asRoot)('permission denied (not run as root)', () => {
    const root = tmpRoot();
    chmodSync(root, 0o755);
    const r = wizard(args, { WIZARD_ROOT: root }, { uid: 2000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`✖ Permission denied (mkdir): ${join(root, 'var/lib/wizard')}.`);
    expect(r.stderr).toContain('→ The wizard changes the whole server: run it as root (sudo wizard ...).');
    expect(r.stderr).not.toContain('This is a bug');
    expect(everything(root)).toEqual([]);
  });

  it.each([
    ['status', ['status']],
    ['install --dry-run', [...rc, '--tls', 'none', '--dry-run']],
    ['doctor', ['doctor']],
  ])('a damaged state file (%s)', (_, cmd) => {
    const root = tmpRoot();
    const path = join(root, 'var/lib/wizard/state.json');
    mkdirSync(join(root, 'var/lib/wizard'), { recursive: true });
    writeFileSync(path, '{"schema":1,"installs":{"rocketchat":');
    const r = wizard(cmd, { WIZARD_ROOT: root });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`✖ The wizard's state file ${path} is damaged (not valid JSON`);
    expect(r.stderr).toContain(`→ Move it away (mv ${path} ${path}.damaged)`);
    expect(r.stderr).not.toContain('This is a bug');
  });

  it('doctor --bundle into a missing folder: exit 2 before any work', () => {
    const root = tmpRoot();
    const bundle = join(root, 'no/such/folder/report.tar.gz');
    const r = wizard(['doctor', '--bundle', bundle], { WIZARD_ROOT: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`✖ The folder ${join(root, 'no/such/folder')} (for --bundle) does not exist.`);
    expect(r.stderr).toContain(`→ Create it first (mkdir -p ${join(root, 'no/such/folder')})`);
    expect(r.stdout).toBe('');
    expect(everything(root)).toEqual([]);
  });
});
