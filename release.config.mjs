// Builds a release into release/: the wizard as a tarball a plain `node` runs (the esbuild bundle in dist/
// plus assets/, no node_modules), install.sh with the version, checksums, Node pin and release key filled in,
// SHA256SUMS, and a detached Ed25519 signature of each (FILE.sig, 64 raw bytes, as `openssl pkeyutl -sign
// -rawin` writes them).
//   WIZARD_SIGNING_KEY=/path/to/release.key WIZARD_NODE_SHASUMS=/path/to/SHASUMS256.txt npm run release
//   npm run release -- --unsigned     a development build: install.sh refuses it outside the test switch
// Tests call buildRelease() with their own output folder, throwaway key and Node dist (and a version of
// their own for upgrades).
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Where releases are published. A placeholder until the project has its home; install.sh downloads from
 * `${PUBLISH_URL}/download/v${version}/` unless WIZARD_RELEASE_URL says otherwise. */
export const PUBLISH_URL = 'https://github.com/OWNER/wizard/releases';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * @param {{ root?: string, outDir?: string, version?: string, publishUrl?: string, signingKey?: string,
 *   unsigned?: boolean, nodeShasums?: string, testKey?: boolean }} [options]
 *   version: defaults to package.json's; another one (tests only) is stamped into the bundle's copy of it.
 *   signingKey: the Ed25519 private key (a PEM file, mode 0600) whose public half is RELEASE_PUBLIC_KEY in
 *     src/core/release-key.ts; another key only with testKey (tests). Required unless unsigned.
 *   nodeShasums: nodejs.org's SHASUMS256.txt (or .asc) of the Node release install.sh pins and downloads.
 * @returns {Release}
 * @typedef {{ version: string, outDir: string, tarball: string, sha256: string, installSh: string,
 *   sums: string, signed: boolean, publicKey: string | undefined, fingerprint: string | undefined,
 *   node: { version: string, sha256Xz: string, sha256Gz: string } }} Release
 */
export function buildRelease(options = {}) {
  const root = resolve(options.root ?? here);
  const outDir = resolve(root, options.outDir ?? 'release');
  if (`${root}/`.startsWith(`${outDir}/`))
    throw new Error(`The release folder ${outDir} would hold the sources.`);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const version = options.version ?? pkg.version;
  if (!/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(version))
    throw new Error(`Release version "${version}" is not x.y.z.`);
  const cli = join(root, 'dist', 'cli.js');
  if (!existsSync(cli))
    throw new Error('dist/cli.js is missing: run `npm run build` first (`npm run release` does).');
  const key = options.unsigned ? undefined : signingKey(root, options.signingKey, options.testKey === true);
  if (!options.nodeShasums)
    throw new Error(
      "No Node pin: set WIZARD_NODE_SHASUMS to nodejs.org's SHASUMS256.txt of the Node release install.sh downloads " +
        `(https://nodejs.org/dist/latest-v${nodeMajor(pkg)}.x/SHASUMS256.txt, checked with the Node.js release keys).`,
    );
  const node = nodePin(readFileSync(options.nodeShasums, 'utf8'), nodeMajor(pkg));

  const name = `wizard-${version}`;
  const stage = mkdtempSync(join(tmpdir(), 'wizard-release-'));
  try {
    // Staged outside the checkout so the check below cannot lean on the checkout's node_modules.
    const top = join(stage, name);
    mkdirSync(top);
    cpSync(join(root, 'dist'), join(top, 'dist'), {
      recursive: true,
      filter: (src) => !src.endsWith('.map'),
    });
    cpSync(join(root, 'assets'), join(top, 'assets'), { recursive: true });
    cpSync(join(root, 'README.md'), join(top, 'README.md'));
    if (existsSync(join(root, 'LICENSE'))) cpSync(join(root, 'LICENSE'), join(top, 'LICENSE'));
    // assets.ts finds assets/ beside a package.json; the bundle needs no dependencies.
    const runtimePkg = {
      name: pkg.name,
      version,
      description: pkg.description,
      type: pkg.type,
      license: pkg.license,
      bin: pkg.bin,
      engines: pkg.engines,
    };
    writeFileSync(join(top, 'package.json'), `${JSON.stringify(runtimePkg, null, 2)}\n`);
    if (version !== pkg.version) stampVersion(join(top, 'dist', 'cli.js'), pkg, version);
    checkRuns(top, version);

    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    const tarballName = `${name}.tar.gz`;
    const tarball = join(outDir, tarballName);
    writeFileSync(tarball, gzipSync(tarBytes(stage, name, mtime(root)), { level: 9 }));
    const sha256 = sha256File(tarball);

    const installSh = join(outDir, 'install.sh');
    writeFileSync(
      installSh,
      fillInstallSh(readFileSync(join(root, 'install.sh'), 'utf8'), {
        version,
        sha256,
        nodeVersion: node.version,
        nodeSha256Xz: node.sha256Xz,
        nodeSha256Gz: node.sha256Gz,
        releaseKey: key?.publicKey ?? 'unsigned',
        releaseUrl: `${(options.publishUrl ?? PUBLISH_URL).replace(/\/+$/, '')}/download/v${version}`,
      }),
      { mode: 0o755 },
    );
    execFileSync('bash', ['-n', installSh]);

    const sums = join(outDir, 'SHA256SUMS');
    writeFileSync(sums, `${sha256}  ${tarballName}\n${sha256File(installSh)}  install.sh\n`);
    if (key) for (const file of [tarball, installSh, sums]) signFile(file, key);
    return {
      version,
      outDir,
      tarball,
      sha256,
      installSh,
      sums,
      signed: key !== undefined,
      publicKey: key?.publicKey,
      fingerprint: key ? fingerprint(key.publicKey) : undefined,
      node,
    };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Fills install.sh's release_info placeholders; each must be there exactly once. */
export function fillInstallSh(
  template,
  { version, sha256, nodeVersion, nodeSha256Xz, nodeSha256Gz, releaseKey, releaseUrl },
) {
  let text = template;
  for (const [token, value] of [
    ['__WIZARD_VERSION__', version],
    ['__WIZARD_SHA256__', sha256],
    ['__NODE_VERSION__', nodeVersion],
    ['__NODE_SHA256_XZ__', nodeSha256Xz],
    ['__NODE_SHA256_GZ__', nodeSha256Gz],
    ['__RELEASE_KEY__', releaseKey],
    ['__RELEASE_URL__', releaseUrl],
  ]) {
    if (text.split(token).length !== 2) throw new Error(`install.sh must hold ${token} exactly once.`);
    if (/['\\\n]/.test(value)) throw new Error(`${token}: "${value}" cannot go inside single quotes.`);
    text = text.replace(token, value);
  }
  return text;
}

/** The Node major install.sh's Node must have: the one the project runs and tests on (its devDependency). */
function nodeMajor(pkg) {
  const m = /(\d+)/.exec(pkg.devDependencies?.node ?? '') ?? /^(\d+)/.exec(process.versions.node);
  const major = Number(m?.[1]);
  if (!(major >= 22)) throw new Error(`Node ${major} is older than the wizard's engines (>=22).`);
  return major;
}

/**
 * The Node release install.sh pins: its version and the SHA-256 of its linux-x64 .tar.xz and .tar.gz, read
 * from nodejs.org's SHASUMS256.txt (or the clear-signed .asc) of one release of the project's Node major.
 */
export function nodePin(shasums, major) {
  const found = new Map();
  for (const line of shasums.split(/\r?\n/)) {
    const m = /^([0-9a-f]{64}) {2}node-v(\d+\.\d+\.\d+)-linux-x64\.tar\.(xz|gz)$/.exec(line);
    if (m) found.set(`${m[2]} ${m[3]}`, m[1]);
  }
  const versions = [...new Set([...found.keys()].map((k) => k.split(' ')[0]))];
  if (versions.length !== 1)
    throw new Error(
      `The Node SHASUMS256.txt lists ${versions.length ? `several linux-x64 releases (${versions.join(', ')})` : 'no node-vX.Y.Z-linux-x64.tar.xz'}; give the file of one release.`,
    );
  const [version] = versions;
  if (Number(version.split('.')[0]) !== major)
    throw new Error(`The Node SHASUMS256.txt is for Node ${version}; the wizard pins Node ${major}.`);
  const sha256Xz = found.get(`${version} xz`);
  const sha256Gz = found.get(`${version} gz`);
  if (!sha256Xz || !sha256Gz)
    throw new Error(
      `The Node SHASUMS256.txt lacks node-v${version}-linux-x64.tar.${sha256Xz ? 'gz' : 'xz'}.`,
    );
  return { version, sha256Xz, sha256Gz };
}

/** The release key the wizard pins (src/core/release-key.ts), read from its source. */
export function pinnedKey(root = here) {
  const m = /RELEASE_PUBLIC_KEY = '([A-Za-z0-9+/=]+)'/.exec(
    readFileSync(join(root, 'src/core/release-key.ts'), 'utf8'),
  );
  if (!m?.[1]) throw new Error("Can't find RELEASE_PUBLIC_KEY in src/core/release-key.ts.");
  return m[1];
}

/** SHA-256 of the public key's DER (SubjectPublicKeyInfo), hex: the fingerprint in the README. */
export function fingerprint(publicKey) {
  return createHash('sha256').update(Buffer.from(publicKey, 'base64')).digest('hex');
}

/** Loads the private key: a PEM file only root can read, Ed25519, whose public half the wizard pins. */
function signingKey(root, file, testKey) {
  if (!file)
    throw new Error(
      'No signing key: set WIZARD_SIGNING_KEY to the release key (an Ed25519 private key in a PEM file); the ' +
        'maintainers hold it. For a development build nobody installs: npm run release -- --unsigned',
    );
  const mode = statSync(file).mode;
  if (mode & 0o077)
    throw new Error(
      `The signing key ${file} can be read by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it.`,
    );
  const privateKey = createPrivateKey(readFileSync(file));
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error(`The signing key ${file} is ${privateKey.asymmetricKeyType}, not Ed25519.`);
  const publicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
  const pinned = pinnedKey(root);
  if (publicKey !== pinned && !testKey)
    throw new Error(
      `The signing key ${file} (fingerprint ${fingerprint(publicKey)}) is not the release key the wizard pins ` +
        `(src/core/release-key.ts, fingerprint ${fingerprint(pinned)}): the wizard would refuse this release.`,
    );
  return { privateKey, publicKey };
}

/** Writes FILE.sig (64 raw bytes) and checks it against the public key before going on. */
function signFile(file, key) {
  const data = readFileSync(file);
  const sig = sign(null, data, key.privateKey);
  const pub = createPublicKey({ key: Buffer.from(key.publicKey, 'base64'), format: 'der', type: 'spki' });
  if (!verify(null, data, pub, sig)) throw new Error(`The signature of ${file} does not verify.`);
  writeFileSync(`${file}.sig`, sig);
}

/** The bundle inlines package.json; a test release with another version gets that version stamped in. */
function stampVersion(file, pkg, version) {
  const text = readFileSync(file, 'utf8');
  const from = `name:"${pkg.name}",version:"${pkg.version}"`;
  if (text.split(from).length !== 2)
    throw new Error(`Can't find ${from} once in dist/cli.js to stamp ${version}.`);
  writeFileSync(file, text.replace(from, `name:"${pkg.name}",version:"${version}"`));
}

/** The staged release must start on this node with nothing but itself. */
function checkRuns(top, version) {
  const run = (args) =>
    execFileSync(process.execPath, [join(top, 'dist', 'cli.js'), ...args], {
      cwd: top,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
    });
  const out = run(['--version']).trim();
  if (out !== version) throw new Error(`The staged release answers --version with "${out}", not ${version}.`);
  if (!run(['--help']).includes('Usage')) throw new Error('The staged release does not print its --help.');
}

/** A reproducible tar stream of stage/name: sorted, root-owned, umask-free modes, one mtime (GNU tar). */
function tarBytes(stage, name, epoch) {
  return execFileSync(
    'tar',
    [
      '--sort=name',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--mode=u+rwX,go+rX,go-w',
      `--mtime=@${epoch}`,
      '--format=gnu',
      '-cf',
      '-',
      '-C',
      stage,
      name,
    ],
    { maxBuffer: 1 << 30 },
  );
}

/** SOURCE_DATE_EPOCH, else the last commit's time, else now. */
function mtime(root) {
  if (process.env.SOURCE_DATE_EPOCH) return Number(process.env.SOURCE_DATE_EPOCH);
  try {
    return Number(
      execFileSync('git', ['log', '-1', '--format=%ct'], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim(),
    );
  } catch {
    return Math.floor(Date.now() / 1000);
  }
}

function sha256File(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--unsigned');
  if (unknown.length) {
    process.stderr.write(`✖ Unknown argument ${unknown[0]}.\n  → npm run release [-- --unsigned]\n`);
    process.exit(2);
  }
  let r;
  try {
    r = buildRelease({
      unsigned: args.includes('--unsigned'),
      signingKey: process.env.WIZARD_SIGNING_KEY || undefined,
      nodeShasums: process.env.WIZARD_NODE_SHASUMS || undefined,
      testKey: process.env.WIZARD_UNSAFE_TEST_RELEASES === '1',
    });
  } catch (e) {
    process.stderr.write(`✖ ${e.message}\n`);
    process.exit(2);
  }
  const rel = (p) => p.replace(`${process.cwd()}/`, '');
  const files = [r.tarball, r.installSh, r.sums];
  process.stdout.write(
    `${files.flatMap((f) => (r.signed ? [rel(f), `${rel(f)}.sig`] : [rel(f)])).join('\n')}\n` +
      `wizard ${r.version}  sha256 ${r.sha256}  Node ${r.node.version}\n` +
      (r.signed
        ? `signed with the release key ${r.fingerprint}\n`
        : 'UNSIGNED development build: its install.sh refuses to install outside tests.\n'),
  );
}
