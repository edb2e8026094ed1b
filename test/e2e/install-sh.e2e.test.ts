import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import {
  chmodSync,
  chownSync,
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
  PROJECT_NODE,
  pipeToBash,
  REPO,
  type Release,
  releaseKit,
  serve,
  shims,
  throwawayKey,
  tree,
  trustedDir,
} from './helpers/release-server.js';

/**
 * The `curl -fsSL URL/install.sh | sudo bash` bootstrap, piped into bash with no terminal against a scratch
 * WIZARD_ROOT: releases signed with a throwaway key and a Node tarball (the project's own Node 24, packed
 * like nodejs.org's) come from a local HTTP server (http, so the test switch is on); the PATH is a bare
 * server's (no node) plus shims for uname, id and sudo.
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
  let bareNoOpenssl = '';
  let trusted = '';
  let kit: Awaited<ReturnType<typeof releaseKit>>;
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
    WIZARD_UNSAFE_TEST_RELEASES: '1',
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
    kit = await releaseKit(work);
    nodeFile = kit.nodeFile;
    v1 = kit.build({ outDir: join(work, 'www/v1') });
    const [maj, min, patch] = v1.version.split(/[.-]/).map(Number);
    v2 = kit.build({ outDir: join(work, 'www/v2'), version: `${maj}.${min}.${(patch ?? 0) + 1}` });
    v3 = kit.build({ outDir: join(work, 'www/v3'), version: `${maj}.${min}.${(patch ?? 0) + 2}` });
    const tarballName = `wizard-${v1.version}.tar.gz`;
    const variant = (name: string, change: (dir: string) => void) => {
      cpSync(join(work, 'www/v1'), join(work, `www/${name}`), { recursive: true });
      change(join(work, `www/${name}`));
    };
    const flip = (file: string) => {
      const bytes = readFileSync(file);
      bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
      writeFileSync(file, bytes);
    };
    // One byte of the tarball changed; its install.sh still holds the true checksum.
    variant('tampered', (d) => flip(join(d, tarballName)));
    // The true tarball with its signature missing, altered, or made by another key.
    variant('nosig', (d) => rmSync(join(d, `${tarballName}.sig`)));
    variant('badsig', (d) => flip(join(d, `${tarballName}.sig`)));
    const other = throwawayKey(join(work, 'keys'), 'other');
    variant('othersig', (d) =>
      writeFileSync(
        join(d, `${tarballName}.sig`),
        sign(null, readFileSync(join(d, tarballName)), createPrivateKey(readFileSync(other.file))),
      ),
    );
    ({ url, requests, server } = await serve(join(work, 'www')));
    const noNode = ['node', 'nodejs', 'npm', 'npx', 'corepack', 'sudo'];
    bare = bareBin(join(work, 'bare'), noNode);
    bareNoCurl = bareBin(join(work, 'bare-no-curl'), [...noNode, 'curl']);
    bareNoOpenssl = bareBin(join(work, 'bare-no-openssl'), [...noNode, 'openssl']);
    trusted = trustedDir('wizard-install-sh-');
  }, 180_000);

  afterAll(() => {
    server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
    if (trusted) rmSync(trusted, { recursive: true, force: true });
  });

  it('builds a signed release: SHA256SUMS and every signature verify by hand as the README says', () => {
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: v1.outDir, encoding: 'utf8' })).toMatch(
      /install\.sh: OK/,
    );
    const text = readFileSync(v1.installSh, 'utf8');
    expect(text).toContain(`WIZARD_VERSION='${v1.version}'`);
    expect(text).toContain(`WIZARD_SHA256='${v1.sha256}'`);
    expect(text).toContain(`RELEASE_KEY='${kit.key.publicKey}'`);
    // The Node install.sh downloads is pinned: version and checksums from the SHASUMS256.txt given at build time.
    expect(text).toContain(`NODE_VERSION='${nodeFile.replace(/^node-v|-linux-x64\.tar\.xz$/g, '')}'`);
    const sums = readFileSync(kit.nodeShasums, 'utf8');
    expect(sums).toContain(`${v1.node.sha256Xz}  ${nodeFile}`);
    expect(text).toContain(`NODE_SHA256_XZ='${v1.node.sha256Xz}'`);
    expect(text).not.toMatch(/__[A-Z0-9_]+__/);
    expect(statSync(v1.installSh).mode & 0o777).toBe(0o755);
    const pem = join(work, 'release-key.pem');
    writeFileSync(pem, `-----BEGIN PUBLIC KEY-----\n${kit.key.publicKey}\n-----END PUBLIC KEY-----\n`);
    const fp = execFileSync('bash', ['-c', `openssl pkey -pubin -in "${pem}" -outform DER | sha256sum`], {
      encoding: 'utf8',
    });
    expect(fp.split(' ')[0]).toBe(v1.fingerprint);
    for (const f of ['install.sh', `wizard-${v1.version}.tar.gz`, 'SHA256SUMS']) {
      const verified = spawnSync(
        'openssl',
        ['pkeyutl', '-verify', '-pubin', '-inkey', pem, '-rawin', '-in', f, '-sigfile', `${f}.sig`],
        { cwd: v1.outDir, encoding: 'utf8' },
      );
      expect(verified.stdout, f).toContain('Signature Verified Successfully');
      expect(verified.status, f).toBe(0);
    }
  });

  it('refuses to build a release without a key, with a key the wizard does not pin, or one others can read', async () => {
    const out = join(work, 'www/refused');
    const build = (o: { signingKey?: string; testKey?: boolean; unsigned?: boolean }) => () =>
      kit.build({ outDir: out, ...o });
    expect(build({ signingKey: '' })).toThrow(/No signing key: set WIZARD_SIGNING_KEY/);
    expect(build({ testKey: false })).toThrow(/is not the release key the wizard pins/);
    const loose = throwawayKey(join(work, 'keys'), 'loose');
    chmodSync(loose.file, 0o640);
    expect(build({ signingKey: loose.file })).toThrow(/can be read by others \(mode 640\); chmod 600 it/);
    expect(existsSync(out)).toBe(false);
    // The command line says the same in one line, exit 2.
    const cli = spawnSync(PROJECT_NODE, [join(REPO, 'release.config.mjs')], {
      cwd: REPO,
      env: { PATH: bare },
      encoding: 'utf8',
    });
    expect(cli.status).toBe(2);
    expect(cli.stderr).toMatch(/^✖ No signing key: set WIZARD_SIGNING_KEY/);
  });

  it('installs from a pipe with no terminal, with its own Node, and says how to run the wizard', async () => {
    const r = root('main');
    mkdirSync(join(r, 'var/lib/wizard'), { recursive: true });
    writeFileSync(join(r, 'var/lib/wizard/state.json'), '{"installs":{"rocketchat":{}}}\n');
    const run = await pipeToBash(script(v1), [], env(r));
    expect(run.stderr).toContain('No Node.js on this system'); // a bare server's PATH
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      new RegExp(
        `✔ Checked the signature of wizard-${v1.version}\\.tar\\.gz \\(release key ${v1.fingerprint}, with OpenSSL 3\\.`,
      ),
    );
    // The signature is checked before anything is unpacked.
    expect(run.stderr.indexOf('Checked the signature')).toBeLessThan(run.stderr.indexOf('Installed Node.js'));
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
    const oldNode = `${shims(join(trusted, 'old-node'), { node: 'echo v20.11.1' })}:${bare}`;
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

  it('uses a root-owned system Node 22+ when there is one, and wget when there is no curl', async () => {
    const r = root('sysnode');
    const dir = shims(join(trusted, 'good'), { node: `exec "${PROJECT_NODE}" "$@"` });
    const before = requests.length;
    const run = await pipeToBash(script(v1), [], env(r, {}, `${dir}:${bareNoCurl}`));
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(launcher(r), 'utf8')).toContain(`NODE='${join(dir, 'node')}'`);
    expect(existsSync(join(r, 'opt/wizard/node'))).toBe(false);
    const tarball = `/v1/wizard-${v1.version}.tar.gz`;
    expect(requests.slice(before)).toEqual([tarball, `${tarball}.sig`]);
    expect(runLauncher(r, ['--version']).stdout).toBe(`${v1.version}\n`);
  });

  it('never runs a system node that another uid owns or could have swapped, and uses its own', async () => {
    const r = root('hostile-node');
    const marker = join(work, 'hostile-node-ran');
    const hostile = `touch "${marker}"; exec "${PROJECT_NODE}" "$@"`;
    // Each planted where root would once have run it: owned by uid 2000 in a root folder; root's own
    // file in a folder its group can write; root's own file two folders below one anybody can write.
    const owned = shims(join(trusted, 'owned'), { node: hostile });
    chownSync(join(owned, 'node'), 2000, 2000);
    const groupWritable = shims(join(trusted, 'group-writable'), { node: hostile });
    chmodSync(groupWritable, 0o775);
    mkdirSync(join(trusted, 'open/a'), { recursive: true });
    const below = shims(join(trusted, 'open/a/bin'), { node: hostile });
    chmodSync(join(trusted, 'open'), 0o777);
    const cases: [string, string][] = [
      [owned, `${join(owned, 'node')} is owned by uid 2000, not root`],
      [groupWritable, `${groupWritable} can be written by its group or others (mode 775)`],
      [below, `${join(trusted, 'open')} can be written by its group or others (mode 777)`],
    ];
    for (const [dir, why] of cases) {
      const run = await pipeToBash(script(v1), [], env(r, {}, `${dir}:${bare}`));
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain(`Not using the system's Node.js ${join(dir, 'node')}: ${why}.`);
      expect(existsSync(marker), dir).toBe(false);
      expect(readFileSync(launcher(r), 'utf8')).toContain(`NODE='${join(r, 'opt/wizard/node/bin/node')}'`);
    }
    expect(runLauncher(r, ['--version']).stdout).toBe(`${v1.version}\n`);
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a tampered tarball and installs nothing (exit 5)', async () => {
    const r = root('tampered');
    const run = await pipeToBash(script(v1), [], env(r, { WIZARD_RELEASE_URL: `${url}/tampered` }));
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(`✖ The SHA256 of wizard-${v1.version}.tar.gz does not match`);
    expect(run.stderr).toContain('nothing was installed');
    expect(tree(r)).toEqual([]);
    expect(leftInTmp()).toEqual([]);
  });

  it('refuses a tarball whose signature is missing, altered or by another key, with OpenSSL and with Node', async () => {
    const name = `wizard-${v1.version}.tar.gz`;
    const expected: Record<string, string> = {
      nosig: `✖ Can't download the signature ${url}/nosig/${name}.sig; an unsigned release is never installed`,
      badsig: `✖ ${name} does not match its signature by the release key ${v1.fingerprint}; nothing was installed.`,
      othersig: `✖ ${name} does not match its signature by the release key ${v1.fingerprint}; nothing was installed.`,
    };
    for (const [channel, message] of Object.entries(expected)) {
      // Without OpenSSL the pinned Node checks the signature, from the run's own temporary folder.
      for (const [path, verifier] of [
        [bare, 'openssl'],
        [bareNoOpenssl, 'node'],
      ] as const) {
        const r = root(`${channel}-${verifier}`);
        const run = await pipeToBash(
          script(v1),
          [],
          env(r, { WIZARD_RELEASE_URL: `${url}/${channel}` }, path),
        );
        expect(run.stderr, `${channel} ${verifier}`).toContain(message);
        expect(run.code, `${channel} ${verifier}`).toBe(5);
        expect(tree(r), `${channel} ${verifier}`).toEqual([]);
        expect(leftInTmp()).toEqual([]);
      }
    }
    // The same true tarball and signature install when OpenSSL is not there to check them.
    const r = root('node-verifier');
    const run = await pipeToBash(script(v1), [], env(r, {}, bareNoOpenssl));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `✔ Checked the signature of ${name} (release key ${v1.fingerprint}, with Node.js)`,
    );
  });

  it('downloads over https only: http is refused without the test switch, before any download', async () => {
    const r = root('http');
    const before = requests.length;
    const { WIZARD_UNSAFE_TEST_RELEASES: _, ...production } = env(r);
    const run = await pipeToBash(script(v1), [], production);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `✖ WIZARD_RELEASE_URL is ${url}/v1; the wizard is downloaded over https only, and nothing was installed.`,
    );
    const odd = await pipeToBash(script(v1), [], env(r, { WIZARD_UNSAFE_TEST_RELEASES: 'yes' }));
    expect(odd.code).toBe(2);
    expect(odd.stderr).toContain('WIZARD_UNSAFE_TEST_RELEASES is "yes"; it is 1 (tests only) or unset.');
    expect(requests.slice(before)).toEqual([]);
    // Not even the test switch lets another scheme through, for Node's download either.
    const node = await pipeToBash(script(v1), [], env(r, { WIZARD_NODE_DIST_URL: 'ftp://127.0.0.1/node' }));
    expect(node.code).toBe(2);
    expect(node.stderr).toContain(
      '✖ WIZARD_NODE_DIST_URL is ftp://127.0.0.1/node, not an https:// URL; nothing was installed.',
    );
    expect(tree(r)).toEqual([]);
    expect(leftInTmp()).toEqual([]);
  });

  it('refuses an unsigned development build unless the test switch is on', async () => {
    const dev = kit.build({ outDir: join(work, 'www/unsigned'), unsigned: true });
    expect(existsSync(`${dev.installSh}.sig`)).toBe(false);
    expect(readFileSync(dev.installSh, 'utf8')).toContain("RELEASE_KEY='unsigned'");
    const r = root('unsigned');
    const { WIZARD_UNSAFE_TEST_RELEASES: _, ...production } = env(r, {
      WIZARD_RELEASE_URL: `${url}/unsigned`,
    });
    const run = await pipeToBash(readFileSync(dev.installSh), [], production);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('✖ This install.sh comes from an unsigned development build');
    expect(tree(r)).toEqual([]);
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
