import { execFileSync, spawn } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join, normalize } from 'node:path';

export const REPO = join(import.meta.dirname, '../../..');
/** The project's own Node 24 (the `node` devDependency): stands in for nodejs.org's linux-x64 build. */
export const PROJECT_NODE = join(REPO, 'node_modules/node/bin/node');

export type Release = {
  version: string;
  outDir: string;
  tarball: string;
  sha256: string;
  installSh: string;
  sums: string;
  signed: boolean;
  publicKey: string | undefined;
  fingerprint: string | undefined;
  node: { version: string; sha256Xz: string; sha256Gz: string };
};
type BuildOptions = {
  outDir: string;
  version?: string;
  signingKey?: string;
  unsigned?: boolean;
  nodeShasums?: string;
  testKey?: boolean;
};
type BuildRelease = (options: BuildOptions) => Release;

/** release.config.mjs's builder (plain JS, so imported by URL). Builds dist/ first when it is missing. */
export async function releaseBuilder(): Promise<BuildRelease> {
  if (!existsSync(join(REPO, 'dist/cli.js')))
    execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: REPO, stdio: 'inherit' });
  const mod = (await import(new URL('../../../release.config.mjs', import.meta.url).href)) as {
    buildRelease: BuildRelease;
  };
  return mod.buildRelease;
}

/** A throwaway Ed25519 release key made at test time: the private key's PEM file (0600) and the public key. */
export function throwawayKey(dir: string, name = 'release'): { file: string; publicKey: string } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const file = join(dir, `${name}.key`);
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { file, publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };
}

/**
 * What a test release needs: a throwaway signing key, a fake nodejs.org folder (www/node) whose
 * SHASUMS256.txt the builder pins, and the builder bound to both.
 */
export async function releaseKit(work: string): Promise<{
  build: (options: { outDir: string; version?: string; unsigned?: boolean; signingKey?: string }) => Release;
  key: { file: string; publicKey: string };
  nodeFile: string;
  nodeShasums: string;
}> {
  const buildRelease = await releaseBuilder();
  const key = throwawayKey(join(work, 'keys'));
  const nodeFile = makeNodeDist(join(work, 'www/node')).file;
  const nodeShasums = join(work, 'www/node/SHASUMS256.txt');
  return {
    build: (options) => buildRelease({ signingKey: key.file, nodeShasums, testKey: true, ...options }),
    key,
    nodeFile,
    nodeShasums,
  };
}

/**
 * A folder whose whole chain is root's and writable by no one else (install.sh runs a system node only from
 * such a place); /tmp is not one, so it sits in the checkout's node_modules/.cache. Removed by the caller.
 */
export function trustedDir(prefix: string): string {
  // Outside the checkout: a clone under /tmp (other-writable, as CI's is) can hold no trusted folder.
  const base = '/var/lib/wizard-e2e';
  mkdirSync(base, { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(base, prefix));
  chmodSync(dir, 0o755);
  for (let p = dir; ; p = dirname(p)) {
    const st = statSync(p);
    if (st.uid !== 0 || st.mode & 0o022)
      throw new Error(
        `${p} is not root's or can be written by others: the e2e tests run as root on a host whose /var/lib is root's (mode 755).`,
      );
    if (p === '/') break;
  }
  return dir;
}

/** A nodejs.org-like dist folder: node-vX.Y.Z-linux-x64.tar.xz made from the project's Node, and SHASUMS256.txt. */
export function makeNodeDist(dir: string): { version: string; file: string } {
  const version = execFileSync(PROJECT_NODE, ['--version'], { encoding: 'utf8' }).trim();
  const name = `node-${version}-linux-x64`;
  const file = `${name}.tar.xz`;
  const stage = join(dir, '.stage');
  mkdirSync(join(stage, name, 'bin'), { recursive: true });
  symlinkSync(PROJECT_NODE, join(stage, name, 'bin/node'));
  mkdirSync(dir, { recursive: true });
  // -h stores the binary the symlink points at; xz -0 keeps the 120 MB binary quick to pack.
  execFileSync('bash', [
    '-c',
    `set -o pipefail; tar -chf - -C "${stage}" "${name}" | xz -0 -T0 > "${join(dir, file)}"`,
  ]);
  rmSync(stage, { recursive: true, force: true });
  const sum = createHash('sha256')
    .update(readFileSync(join(dir, file)))
    .digest('hex');
  // Like the real file: other platforms and formats around the one install.sh picks.
  const other = (n: string) => `${createHash('sha256').update(n).digest('hex')}  ${n}`;
  const lines = [
    other(`node-${version}-darwin-arm64.tar.xz`),
    other(`${name}.tar.gz`),
    `${sum}  ${file}`,
    other(`node-${version}-linux-arm64.tar.xz`),
  ];
  writeFileSync(join(dir, 'SHASUMS256.txt'), `${lines.join('\n')}\n`);
  return { version, file };
}

/** Serves a folder on 127.0.0.1 and remembers every path asked for. */
export async function serve(dir: string): Promise<{ url: string; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const file = join(dir, normalize(path));
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, requests, server };
}

/** A bin folder that links every system command except those named: a bare server has no node, npm... */
export function bareBin(dir: string, without: string[]): string {
  mkdirSync(dir, { recursive: true });
  const skip = new Set(without);
  for (const from of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (!existsSync(from)) continue;
    for (const name of readdirSync(from)) {
      if (skip.has(name) || existsSync(join(dir, name))) continue;
      symlinkSync(join(from, name), join(dir, name));
    }
  }
  return dir;
}

/** Writes executable shims (name -> sh script body) into a folder put first on PATH. */
export function shims(dir: string, scripts: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, body] of Object.entries(scripts))
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return dir;
}

export type Run = { code: number | null; stdout: string; stderr: string };

/** `bash -s -- ARGS < script`: the script on stdin, in a new session with no terminal (as `curl | bash` over CI). */
export function pipeToBash(
  script: string | Buffer,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('/bin/bash', ['-s', '--', ...args], {
      env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.stdin.on('error', () => {}); // bash may stop reading a truncated script early
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(script);
  });
}

/** Every file and folder under dir, relative, sorted (for "nothing was installed" checks). */
export function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}
