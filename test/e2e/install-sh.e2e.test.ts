import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bareBin,
  makeNodeDist,
  PROJECT_NODE,
  pipeToBash,
  REPO,
  type Release,
  releaseBuilder,
  serve,
  shims,
  tree,
} from './helpers/release-server.js';

/**
 * The `curl -fsSL URL/install.sh | sudo bash` bootstrap, piped into bash with no terminal against a scratch
 * WIZARD_ROOT: releases and a Node tarball (the project's own Node 24, packed like nodejs.org's) come
 * from a local HTTP server; the PATH is a bare server's (no node) plus shims for uname, id and sudo.
 */
describe('install.sh', () => {
  let work = '';
  let server: Server | undefined;
  let url = '';
  let requests: string[] = [];
  let v1: Release;
  let v2: Release;
  let v3: Release;
  let nodeFile = '';
  let bare = '';
  let bareNoCurl = '';
  const ROOTS: Record<string, string> = {};

  const root = (name: string) => {
    ROOTS[name] ??= mkdtempSync(join(work, `root-${name}-`));
    return ROOTS[name];
  };
  const env = (r: string, extra: Record<string, string> = {}, path = bare) => ({
    PATH: path,
    HOME: work,
    TMPDIR: join(work, 'tmp'),
    NO_COLOR: '1',
    WIZARD_ROOT: r,
    WIZARD_RELEASE_URL: `${url}/v1`,
    WIZARD_NODE_DIST_URL: `${url}/node`,
    ...extra,
  });
  const script = (r: Release) => readFileSync(r.installSh);
  const launcher = (r: string) => join(r, 'usr/local/bin/wizard');
  const runLauncher = (r: string, args: string[]) =>
    spawnSync(launcher(r), args, { env: { PATH: bare, NO_COLOR: '1', WIZARD_ROOT: r }, encoding: 'utf8' });
  const leftInTmp = () => tree(join(work, 'tmp'));

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'wizard-install-sh-'));
    mkdirSync(join(work, 'tmp'));
    const buildRelease = await releaseBuilder();
    v1 = buildRelease({ outDir: join(work, 'www/v1') });
    const [maj, min, patch] = v1.version.split(/[.-]/).map(Number);
    v2 = buildRelease({ outDir: join(work, 'www/v2'), version: `${maj}.${min}.${(patch ?? 0) + 1}` });
    v3 = buildRelease({ outDir: join(work, 'www/v3'), version: `${maj}.${min}.${(patch ?? 0) + 2}` });
    // The v1 release with one byte of its tarball changed; its install.sh still holds the true checksum.
    cpSync(join(work, 'www/v1'), join(work, 'www/tampered'), { recursive: true });
    const bad = join(work, 'www/tampered', `wizard-${v1.version}.tar.gz`);
    const bytes = readFileSync(bad);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
    writeFileSync(bad, bytes);
    nodeFile = makeNodeDist(join(work, 'www/node')).file;
    ({ url, requests, server } = await serve(join(work, 'www')));
    bare = bareBin(join(work, 'bare'), ['node', 'nodejs', 'npm', 'npx', 'corepack', 'sudo']);
    bareNoCurl = bareBin(join(work, 'bare-no-curl'), [
      'node',
      'nodejs',
      'npm',
      'npx',
      'corepack',
      'sudo',
      'curl',
    ]);
  }, 120_000);

  afterAll(() => {
    server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('builds a release whose SHA256SUMS verifies and whose install.sh holds the version and checksum', () => {
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: v1.outDir, encoding: 'utf8' })).toMatch(
      /install\.sh: OK/,
    );
    const text = readFileSync(v1.installSh, 'utf8');
    expect(text).toContain(`WIZARD_VERSION='${v1.version}'`);
    expect(text).toContain(`WIZARD_SHA256='${v1.sha256}'`);
    expect(text).not.toMatch(/__[A-Z_]+__/);
    expect(statSync(v1.installSh).mode & 0o777).toBe(0o755);
  });

  it('installs from a pipe with no terminal, with its own Node, and says how to run the wizard', async () => {
    const r = root('main');
    mkdirSync(join(r, 'var/lib/wizard'), { recursive: true });
    writeFileSync(join(r, 'var/lib/wizard/state.json'), '{"installs":{"rocketchat":{}}}\n');
    const run = await pipeToBash(script(v1), [], env(r));
    expect(run.stderr).toContain('No Node.js on this system'); // a bare server's PATH
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`The wizard ${v1.version} is installed`);
    expect(run.stdout).toContain('--answers');
    expect(readlinkSync(join(r, 'opt/wizard/current'))).toBe(`releases/${v1.version}`);
    expect(readlinkSync(join(r, 'opt/wizard/node'))).toBe(nodeFile.replace('.tar.xz', ''));
    expect(statSync(launcher(r)).mode & 0o777).toBe(0o755);
    expect(readFileSync(launcher(r), 'utf8')).toContain(join(r, 'opt/wizard/node/bin/node'));
    const version = runLauncher(r, ['--version']);
    expect(version.stdout, version.stderr).toBe(`${v1.version}\n`);
    expect(runLauncher(r, ['--help']).stdout).toContain('Usage: wizard');
    expect(requests).toContain(`/node/${nodeFile}`);
    expect(leftInTmp()).toEqual([]);
  }, 60_000);

  it('upgrades in place on a re-run, passes arguments through, and keeps /var/lib/wizard', async () => {
    const r = root('main');
    const nodeDownloads = requests.filter((p) => p.endsWith(nodeFile)).length;
    // A system Node that is too old: the wizard keeps the Node it installed the first time.
    const oldNode = `${shims(join(work, 'shim-old-node'), { node: 'echo v20.11.1' })}:${bare}`;
    const run = await pipeToBash(
      script(v2),
      ['--version'],
      env(r, { WIZARD_RELEASE_URL: `${url}/v2` }, oldNode),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("The system's Node.js v20.11.1 is older than 22");
    expect(run.stderr).toMatch(/Node\.js +v24\.\d+\.\d+ already in /);
    expect(run.stderr).toContain(`Upgraded the wizard from ${v1.version} to ${v2.version}`);
    expect(run.stdout).toBe(`${v2.version}\n`); // `bash -s -- --version` reached the new wizard
    expect(readlinkSync(join(r, 'opt/wizard/current'))).toBe(`releases/${v2.version}`);
    expect(tree(join(r, 'opt/wizard/releases')).filter((p) => !p.includes('/'))).toEqual(
      [v1.version, v2.version].sort(),
    );
    expect(requests.filter((p) => p.endsWith(nodeFile)).length).toBe(nodeDownloads); // Node kept, not fetched again
    expect(runLauncher(r, ['--version']).stdout).toBe(`${v2.version}\n`);
    expect(readFileSync(join(r, 'var/lib/wizard/state.json'), 'utf8')).toBe(
      '{"installs":{"rocketchat":{}}}\n',
    );
    const again = await pipeToBash(script(v2), [], env(r, { WIZARD_RELEASE_URL: `${url}/v2` }));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`Reinstalled the wizard ${v2.version}`);
    const releases = () => tree(join(r, 'opt/wizard/releases')).filter((p) => !p.includes('/'));
    expect(releases()).toEqual([v1.version, v2.version].sort());
    // The next upgrade keeps the release it replaces and drops older ones.
    const third = await pipeToBash(script(v3), [], env(r, { WIZARD_RELEASE_URL: `${url}/v3` }));
    expect(third.code, third.stderr).toBe(0);
    expect(releases()).toEqual([v2.version, v3.version].sort());
    expect(runLauncher(r, ['--version']).stdout).toBe(`${v3.version}\n`);
    expect(leftInTmp()).toEqual([]);
  }, 60_000);

  it('uninstalls only with --yes when there is no terminal, and keeps every install state', async () => {
    const r = root('main');
    const asked = await pipeToBash(script(v2), ['--uninstall'], env(r));
    expect(asked.code).toBe(2);
    expect(asked.stderr).toContain('No terminal to confirm in; nothing was removed.');
    expect(existsSync(launcher(r))).toBe(true);
    const run = await pipeToBash(script(v2), ['--uninstall', '--yes'], env(r));
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(join(r, 'opt/wizard'))).toBe(false);
    expect(existsSync(launcher(r))).toBe(false);
    expect(readFileSync(join(r, 'var/lib/wizard/state.json'), 'utf8')).toBe(
      '{"installs":{"rocketchat":{}}}\n',
    );
  });

  it('uses a system Node 22+ when there is one, and wget when there is no curl', async () => {
    const r = root('sysnode');
    const path = `${shims(join(work, 'shim-node'), { node: `exec "${PROJECT_NODE}" "$@"` })}:${bareNoCurl}`;
    const before = requests.length;
    const run = await pipeToBash(script(v1), [], env(r, {}, path));
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(launcher(r), 'utf8')).toContain(`NODE='${join(work, 'shim-node/node')}'`);
    expect(existsSync(join(r, 'opt/wizard/node'))).toBe(false);
    expect(requests.slice(before)).toEqual([`/v1/wizard-${v1.version}.tar.gz`]);
    expect(runLauncher(r, ['--version']).stdout).toBe(`${v1.version}\n`);
  });

  it('refuses a tampered tarball and installs nothing', async () => {
    const r = root('tampered');
    const run = await pipeToBash(script(v1), [], env(r, { WIZARD_RELEASE_URL: `${url}/tampered` }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`✖ The SHA256 of wizard-${v1.version}.tar.gz does not match`);
    expect(run.stderr).toContain('nothing was installed');
    expect(tree(r)).toEqual([]);
    expect(leftInTmp()).toEqual([]);
  });

  it('runs nothing when the download was cut off', async () => {
    const full = script(v1);
    const cuts = new Set<number>();
    for (let i = 2; i <= 40; i++) cuts.add(full.length - i); // every cut into the last line, `{ main "$@"; }` (1 drops only its newline)
    for (let i = 1; i < 20; i++) cuts.add(Math.floor((full.length * i) / 20));
    const marker = join(work, 'downloaded');
    const path = `${shims(join(work, 'shim-record'), { curl: `touch "${marker}"; exit 1`, wget: `touch "${marker}"; exit 1`, uname: `touch "${marker}"; exec /bin/uname "$@"` })}:${bare}`;
    const r = root('cut');
    for (const cut of cuts) {
      const run = await pipeToBash(full.subarray(0, cut), [], env(r, {}, path));
      expect(run.stdout, `cut at ${cut}`).toBe('');
      expect(run.stderr, `cut at ${cut}`).not.toMatch(/Installing|✔|✖/);
      expect(existsSync(marker), `cut at ${cut}`).toBe(false);
    }
    expect(tree(r)).toEqual([]);
  });

  it('refuses a CPU that is not amd64 and names it', async () => {
    for (const [machine, name] of [
      ['aarch64', 'arm64 (aarch64)'],
      ['riscv64', 'riscv64'],
    ]) {
      const r = root(`arch-${machine}`);
      const path = `${shims(join(work, `shim-${machine}`), { uname: `[ "$1" = -m ] && { echo ${machine}; exit 0; }; exec /bin/uname "$@"` })}:${bare}`;
      const run = await pipeToBash(script(v1), [], env(r, {}, path));
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `✖ This server's CPU architecture is ${name}; the wizard runs on amd64 (x86_64) servers only.`,
      );
      expect(tree(r)).toEqual([]);
    }
  });

  it('re-runs itself under sudo when not root, and explains when there is no sudo', async () => {
    const fakeId = `[ "$1" = -u ] && { echo "\${FAKE_UID:-1000}"; exit 0; }; [ "$1" = -un ] && { echo alice; exit 0; }; exec /usr/bin/id "$@"`;
    const noSudo = `${shims(join(work, 'shim-user'), { id: fakeId })}:${bare}`;
    const r = root('user');
    const refused = await pipeToBash(script(v1), [], env(r, {}, noSudo));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('✖ The wizard installs as root, and this is alice without sudo.');
    expect(tree(r)).toEqual([]);

    const log = join(work, 'sudo.log');
    const sudo = `printf '%s\\n' "$@" > "${log}"; FAKE_UID=0 exec "$@"`;
    const withSudo = `${shims(join(work, 'shim-sudo'), { id: fakeId, sudo, node: `exec "${PROJECT_NODE}" "$@"` })}:${bare}`;
    const run = await pipeToBash(script(v1), ['--version'], env(r, {}, withSudo));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${v1.version}\n`);
    const argv = readFileSync(log, 'utf8').split('\n');
    expect(argv.slice(0, 2)).toEqual(['env', 'WIZARD_INSTALL_SUDO=1']);
    expect(argv).toContain(`WIZARD_ROOT=${r}`);
    expect(argv.slice(-3)).toEqual(['install.sh', '--version', '']);
  });

  it('refuses to run the unreleased template from a pipe', async () => {
    const r = root('template');
    const run = await pipeToBash(readFileSync(join(REPO, 'install.sh')), [], env(r));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('This install.sh is the unreleased template');
    expect(tree(r)).toEqual([]);
  });

  it('passes shellcheck, as the template and as released', () => {
    const check = spawnSync('shellcheck', [join(REPO, 'install.sh'), v1.installSh], { encoding: 'utf8' });
    if (check.error) throw new Error('shellcheck is missing: apt-get install -y shellcheck (.ci/run does).');
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
