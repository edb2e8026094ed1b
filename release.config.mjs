// Builds a release into release/: the wizard as a tarball a plain `node` runs (the esbuild bundle in dist/
// plus assets/, no node_modules), SHA256SUMS, and install.sh with the version and checksum filled in.
//   npm run release        (= npm run build && node release.config.mjs)
// Tests call buildRelease() with their own output folder (and a version of their own for upgrades).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Where releases are published. A placeholder until the project has its home; install.sh downloads from
 * `${PUBLISH_URL}/download/v${version}/` unless WIZARD_RELEASE_URL says otherwise. */
export const PUBLISH_URL = 'https://github.com/OWNER/wizard/releases';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * @param {{ root?: string, outDir?: string, version?: string, publishUrl?: string }} [options]
 *   version: defaults to package.json's; another one (tests only) is stamped into the bundle's copy of it.
 * @returns {{ version: string, outDir: string, tarball: string, sha256: string, installSh: string, sums: string }}
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
        nodeMajor: nodeMajor(pkg),
        releaseUrl: `${(options.publishUrl ?? PUBLISH_URL).replace(/\/+$/, '')}/download/v${version}`,
      }),
      { mode: 0o755 },
    );
    execFileSync('bash', ['-n', installSh]);

    const sums = join(outDir, 'SHA256SUMS');
    writeFileSync(sums, `${sha256}  ${tarballName}\n${sha256File(installSh)}  install.sh\n`);
    return { version, outDir, tarball, sha256, installSh, sums };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Fills install.sh's release_info placeholders; each must be there exactly once. */
export function fillInstallSh(template, { version, sha256, nodeMajor, releaseUrl }) {
  let text = template;
  for (const [token, value] of [
    ['__WIZARD_VERSION__', version],
    ['__WIZARD_SHA256__', sha256],
    ['__NODE_MAJOR__', String(nodeMajor)],
    ['__RELEASE_URL__', releaseUrl],
  ]) {
    if (text.split(token).length !== 2) throw new Error(`install.sh must hold ${token} exactly once.`);
    if (/['\\\n]/.test(value)) throw new Error(`${token}: "${value}" cannot go inside single quotes.`);
    text = text.replace(token, value);
  }
  return text;
}

/** The Node major install.sh downloads when the server has no Node 22+: the one the project runs and tests on. */
function nodeMajor(pkg) {
  const m = /(\d+)/.exec(pkg.devDependencies?.node ?? '') ?? /^(\d+)/.exec(process.versions.node);
  const major = Number(m?.[1]);
  if (!(major >= 22)) throw new Error(`Node ${major} is older than the wizard's engines (>=22).`);
  return major;
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
  const r = buildRelease();
  const rel = (p) => p.replace(`${process.cwd()}/`, '');
  process.stdout.write(
    `${rel(r.tarball)}\n${rel(r.sums)}\n${rel(r.installSh)}\nwizard ${r.version}  sha256 ${r.sha256}\n`,
  );
}
