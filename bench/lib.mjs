// What the benchmarks share: the built CLI, medians, the report line, the Rocket.Chat install's arguments, and
// the stand-in stack's probes.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');
export const node = process.execPath;
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const time = (fn) => {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
};
export const report = (name, value, goal, unit, ok) =>
  console.log(
    `${name.padEnd(44)} ${value.toFixed(2).padStart(8)} ${unit.padEnd(3)} goal ${goal}  ${ok ? 'ok' : 'OVER'}`,
  );

/** `wizard install` of a platform on the stand-ins: --tls none, --offline, the fixture repository, a port. */
export const installArgs = (platform, repo, port, ...more) => [
  'install',
  '--platform',
  platform,
  '--domain',
  'localhost',
  '--email',
  'a@example.com',
  '--tls',
  'none',
  '--offline',
  '--yes',
  '--repo-url',
  repo,
  '--port',
  String(port),
  ...more,
];
export const RC_ARGS = (repo, port, ...more) => installArgs('rocketchat', repo, port, ...more);
export const down = (dir) => {
  try {
    execFileSync('docker', ['compose', 'down', '--volumes', '--timeout', '2'], { cwd: dir, stdio: 'ignore' });
  } catch {}
};
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** GET /api/info on a fresh connection (no keep-alive pool that could hide a restart): its JSON, or undefined. */
export const info = (port) =>
  new Promise((resolve) => {
    const req = httpGet(
      { host: '127.0.0.1', port, path: '/api/info', agent: false, timeout: 1000 },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => {
          try {
            resolve(res.statusCode === 200 ? JSON.parse(body) : undefined);
          } catch {
            resolve(undefined);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
export const answers = async (port, version) => {
  const j = await info(port);
  return Boolean(j?.success && (!version || j.version === version));
};
/** The wizard's log of the run in ROOT (the newest one of COMMAND). */
export const wizardLog = (root, command) => {
  const dir = join(root, 'var/log/wizard');
  const name = readdirSync(dir)
    .filter((f) => f.startsWith(`${command}-`))
    .sort()
    .at(-1);
  return readFileSync(join(dir, name), 'utf8');
};
/** The time (epoch ms) of the first log line matching RE. */
export const logAt = (log, re) =>
  Date.parse(
    log
      .split('\n')
      .find((l) => re.test(l))
      ?.split(' ')[0] ?? '',
  );
