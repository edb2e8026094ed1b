// Benchmarks for the goals of the install spine. Prints ratios against each goal; never fails a build.
//   node bench/run.mjs [startup|frame|install|upgrade|crash|doctor]...   (default: all; all but `startup` and `frame`
//   need Docker and the stand-ins; run them under the e2e lock: flock /tmp/wizard-e2e.lock npm run bench -- install)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');
const node = process.execPath;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn) => {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
};
const report = (name, value, goal, unit, ok) =>
  console.log(
    `${name.padEnd(44)} ${value.toFixed(2).padStart(8)} ${unit.padEnd(3)} goal ${goal}  ${ok ? 'ok' : 'OVER'}`,
  );

function startup() {
  const runs = 25;
  const base = median(Array.from({ length: runs }, () => time(() => spawnSync(node, ['-e', '0']))));
  const wiz = median(Array.from({ length: runs }, () => time(() => spawnSync(node, [CLI, '--version']))));
  console.log(
    `cold start: node -e 0 ${base.toFixed(1)} ms, wizard --version ${wiz.toFixed(1)} ms (median of ${runs})`,
  );
  report('wizard --version / node -e 0', wiz / base, '<= 1.5', 'x', wiz / base <= 1.5);
}

/** Time until the first frame of the wizard in a pseudo-terminal (util-linux `script` gives it one). */
async function frame() {
  const runs = 7;
  const times = [];
  for (let i = 0; i < runs; i++) {
    const root = mkdtempSync(join(tmpdir(), 'wizard-bench-'));
    const t0 = process.hrtime.bigint();
    const ms = await new Promise((resolve) => {
      const child = spawn('script', ['-qfec', `${node} ${CLI}`, '/dev/null'], {
        env: { ...process.env, WIZARD_ROOT: root, TERM: 'xterm-256color' },
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      child.stdout.on('data', (d) => {
        if (d.toString().includes('Checking this server')) {
          resolve(Number(process.hrtime.bigint() - t0) / 1e6);
          // The wizard runs in script's pty session: stop it too, so no earlier run still probes the host
          // (docker, git) while the next one starts.
          spawnSync('pkill', ['-KILL', '-P', String(child.pid)]);
          child.kill('SIGKILL');
        }
      });
      child.on('close', () => resolve(Number.NaN));
    });
    rmSync(root, { recursive: true, force: true });
    times.push(ms);
  }
  const m = median(times);
  console.log(`first interactive frame: ${m.toFixed(0)} ms (median of ${runs})`);
  report('first frame / 300 ms', m / 300, '<= 1.0', 'x', m <= 300);
}

const RC_ARGS = (repo, port, ...more) => [
  'install',
  '--platform',
  'rocketchat',
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
const down = (dir) => {
  try {
    execFileSync('docker', ['compose', 'down', '--volumes', '--timeout', '2'], { cwd: dir, stdio: 'ignore' });
  } catch {}
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** GET /api/info on a fresh connection (no keep-alive pool that could hide a restart): its JSON, or undefined. */
const info = (port) =>
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
const answers = async (port, version) => {
  const j = await info(port);
  return Boolean(j?.success && (!version || j.version === version));
};
/** The wizard's log of the run in ROOT (the newest one of COMMAND). */
const wizardLog = (root, command) => {
  const dir = join(root, 'var/log/wizard');
  const name = readdirSync(dir)
    .filter((f) => f.startsWith(`${command}-`))
    .sort()
    .at(-1);
  return readFileSync(join(dir, name), 'utf8');
};
/** The time (epoch ms) of the first log line matching RE. */
const logAt = (log, re) =>
  Date.parse(
    log
      .split('\n')
      .find((l) => re.test(l))
      ?.split(' ')[0] ?? '',
  );

/**
 * The offline Rocket.Chat install on upstream's compose layout against plain `docker compose up -d` plus polling
 * on the same files and stand-ins, paired: each pair runs both from a cold stack (the order alternates), and the
 * ratio is taken per pair. Also the wizard's own overhead (process start to its first `compose up`) and the
 * progress lines a full install writes without a terminal.
 */
async function install() {
  const { ensureStandinImages, makeFixtureRepo } = await import('../test/e2e/helpers/standins.ts');
  await ensureStandinImages();
  const pairs = 5;
  const port = 3311;
  const results = { plain: [], wizard: [], ratio: [], overhead: [], lines: [] };
  const wizardRun = async () => {
    const root = mkdtempSync(join(tmpdir(), 'wizard-bench-'));
    const repo = await makeFixtureRepo(root, 'rocketchat-compose');
    const wenv = { ...process.env, WIZARD_ROOT: root, NO_COLOR: '1', WIZARD_FEED_URL: 'off' };
    const t0 = Date.now();
    const t = process.hrtime.bigint();
    const r = spawnSync(node, [CLI, ...RC_ARGS(repo, port)], { env: wenv, encoding: 'utf8' });
    const total = Number(process.hrtime.bigint() - t) / 1e6;
    if (r.status !== 0) throw new Error(`the wizard's install failed: ${r.stderr}`);
    results.wizard.push(total);
    // Process start to the first `docker compose ... up` it issues, from its own log (the same clock).
    results.overhead.push(logAt(wizardLog(root, 'install'), /INFO \$ docker compose .* up -d/) - t0);
    // Every line it wrote on stderr without a terminal (checks, review, the task list).
    results.lines.push(r.stderr.trimEnd().split('\n').length);
    const dir = join(root, 'opt/rocketchat');
    down(dir);
    return { root, dir, total };
  };
  // Plain: a fresh clone with the files the wizard wrote, then `docker compose up -d` and polling.
  const plainRun = async (from) => {
    const root = mkdtempSync(join(tmpdir(), 'wizard-bench-'));
    const repo = await makeFixtureRepo(root, 'rocketchat-compose');
    const dir = join(root, 'plain');
    execFileSync('git', ['clone', '--quiet', repo, dir]);
    for (const f of ['.env', 'compose.wizard.yml']) execFileSync('cp', [join(from, f), join(dir, f)]);
    const t = process.hrtime.bigint();
    execFileSync('docker', ['compose', 'up', '-d', '--pull', 'never'], { cwd: dir, stdio: 'ignore' });
    while (!(await answers(port))) await sleep(100);
    const total = Number(process.hrtime.bigint() - t) / 1e6;
    results.plain.push(total);
    down(dir);
    rmSync(root, { recursive: true, force: true });
    return total;
  };
  // The files the plain side uses: the wizard's, from a first (unmeasured) install.
  const first = await wizardRun();
  results.wizard.length = 0;
  results.overhead.length = 0;
  results.lines.length = 0;
  for (let i = 0; i < pairs; i++) {
    let p;
    let w;
    if (i % 2 === 0) {
      p = await plainRun(first.dir);
      const run = await wizardRun();
      w = run.total;
      rmSync(run.root, { recursive: true, force: true });
    } else {
      const run = await wizardRun();
      w = run.total;
      rmSync(run.root, { recursive: true, force: true });
      p = await plainRun(first.dir);
    }
    results.ratio.push(w / p);
    console.log(`  pair ${i + 1}: plain ${(p / 1000).toFixed(2)} s, wizard ${(w / 1000).toFixed(2)} s`);
  }
  rmSync(first.root, { recursive: true, force: true });
  const p = median(results.plain);
  const w = median(results.wizard);
  const r = median(results.ratio);
  const o = median(results.overhead);
  const l = Math.max(...results.lines);
  console.log(
    `offline install: plain compose up + polling ${(p / 1000).toFixed(2)} s, wizard ${(w / 1000).toFixed(2)} s (medians of ${pairs} pairs)`,
  );
  report('wizard / (plain up + polling)', r, '<= 1.0', 'x', r <= 1.0);
  console.log(
    `wizard overhead (process start to its first compose up): ${results.overhead.map((x) => x.toFixed(0)).join(', ')} ms`,
  );
  report('wizard overhead', o / 1000, '<= 1.5', 's', o <= 1500);
  report('lines on stderr, no terminal (full install)', l, '<= 60', '', l <= 60);
}

/**
 * Crashes: an upgrade to a release whose image exits at once (the `9.9.9-crash` stand-in tagged as 8.0.0), with
 * the default readiness timeout: from the switch (the journal says `switching`) to the old release answering
 * again; and an install on that image: from the container's first exit (Docker's `die` event) to the wizard's
 * error.
 */
async function crash() {
  const { ensureStandinImages, makeFixtureRepo } = await import('../test/e2e/helpers/standins.ts');
  await ensureStandinImages();
  const image = 'registry.rocket.chat/rocketchat/rocket.chat';
  const original = execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', `${image}:8.0.0`], {
    encoding: 'utf8',
  }).trim();
  const port = 3314;
  execFileSync('docker', ['tag', `${image}:9.9.9-crash`, `${image}:8.0.0`]);
  try {
    // The upgrade.
    const root = mkdtempSync(join(tmpdir(), 'wizard-bench-'));
    const repo = await makeFixtureRepo(root, 'rocketchat-compose');
    const wenv = { ...process.env, WIZARD_ROOT: root, NO_COLOR: '1', WIZARD_FEED_URL: 'off' };
    execFileSync(node, [CLI, ...RC_ARGS(repo, port, '--version', '7.13.0')], { env: wenv, stdio: 'ignore' });
    const stateFile = join(root, 'var/lib/wizard/state.json');
    let switchAt;
    let downAt;
    let backAt;
    let running = true;
    const watcher = (async () => {
      while (running) {
        if (switchAt === undefined) {
          try {
            const j = JSON.parse(readFileSync(stateFile, 'utf8')).installs.rocketchat.upgradeJournal;
            if (j?.phase === 'switching') switchAt = Date.parse(j.updatedAt);
          } catch {}
        }
        const ok = await answers(port, '7.13.0');
        if (switchAt !== undefined && !ok && downAt === undefined) downAt = Date.now();
        if (downAt !== undefined && ok && backAt === undefined) backAt = Date.now();
        await sleep(100);
      }
    })();
    // Asynchronous, so the watcher runs while the upgrade does.
    const up = await new Promise((resolve) => {
      const child = spawn(node, [CLI, 'upgrade', '--to', '8.0.0', '--yes', '--offline'], {
        env: wenv,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      child.on('close', (status) => resolve({ status, stderr }));
    });
    running = false;
    await watcher;
    const dir = join(root, 'opt/rocketchat');
    down(dir);
    rmSync(root, { recursive: true, force: true });
    if (up.status !== 1 || !/was put back and it answers again/.test(up.stderr))
      throw new Error(`the upgrade did not roll back: ${up.stderr}`);
    const back = ((backAt ?? Date.now()) - switchAt) / 1000;
    console.log(
      `crashing upgrade target: the old release answers again ${back.toFixed(1)} s after the switch began (down ${((backAt - downAt) / 1000).toFixed(1)} s); default readiness timeout 600 s`,
    );
    report('switch to old release answering', back, '<= 60', 's', back <= 60);

    // The install.
    const root2 = mkdtempSync(join(tmpdir(), 'wizard-bench-'));
    const repo2 = await makeFixtureRepo(root2, 'rocketchat-compose');
    const env2 = { ...process.env, WIZARD_ROOT: root2, NO_COLOR: '1', WIZARD_FEED_URL: 'off' };
    const since = new Date().toISOString();
    const r = spawnSync(node, [CLI, ...RC_ARGS(repo2, port, '--version', '8.0.0')], {
      env: env2,
      encoding: 'utf8',
    });
    const endedAt = Date.now();
    const dir2 = join(root2, 'opt/rocketchat');
    const project = readFileSync(join(dir2, '.env'), 'utf8').match(/^COMPOSE_PROJECT_NAME=(.*)$/m)?.[1];
    const dies = execFileSync(
      'docker',
      [
        'events',
        '--since',
        since,
        '--until',
        new Date(endedAt).toISOString(),
        '--filter',
        'event=die',
        '--filter',
        `label=com.docker.compose.project=${project}`,
        '--filter',
        'label=com.docker.compose.service=rocketchat',
        '--format',
        '{{.TimeNano}}',
      ],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((n) => Number(BigInt(n) / 1000000n));
    down(dir2);
    rmSync(root2, { recursive: true, force: true });
    if (r.status !== 1 || !/can't start: its rocketchat container/.test(r.stderr))
      throw new Error(`the install did not report the crash: ${r.stderr}`);
    const reported = (endedAt - Math.min(...dies)) / 1000;
    console.log(
      `crash-looping install: reported ${reported.toFixed(1)} s after the container's first exit (${dies.length} exits seen)`,
    );
    report('crash reported after the first exit', reported, '<= 20', 's', reported <= 20);
  } finally {
    execFileSync('docker', ['tag', original, `${image}:8.0.0`]);
  }
}

/**
 * Downtime of an upgrade: a poller at 100 ms measures how long /api/info does not answer while
 * `wizard upgrade` runs, against the new release's own start time (container start to first answer).
 */
async function upgrade() {
  const { ensureStandinImages, makeFixtureRepo } = await import('../test/e2e/helpers/standins.ts');
  await ensureStandinImages();
  const root = mkdtempSync(join(tmpdir(), 'wizard-bench-'));
  const repo = await makeFixtureRepo(root, 'rocketchat-compose');
  const wenv = { ...process.env, WIZARD_ROOT: root, NO_COLOR: '1' };
  const port = 3313;
  execFileSync(
    node,
    [
      CLI,
      'install',
      '--platform',
      'rocketchat',
      '--version',
      '7.13.0',
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
    ],
    { env: wenv, stdio: 'ignore' },
  );
  const dir = join(root, 'opt/rocketchat');
  let down = 0;
  let longest = 0;
  let downSince;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const t = Date.now();
      const ok = await answers(port);
      if (!ok && downSince === undefined) downSince = t;
      if (ok && downSince !== undefined) {
        down += t - downSince;
        longest = Math.max(longest, t - downSince);
        downSince = undefined;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  // Asynchronous, so the poller runs while the upgrade does.
  await new Promise((resolve, reject) =>
    spawn(node, [CLI, 'upgrade', '--yes', '--offline'], { env: wenv, stdio: 'ignore' }).on('close', (c) =>
      c === 0 ? resolve() : reject(new Error(`upgrade exited ${c}`)),
    ),
  );
  polling = false;
  await poller;
  // The new release's own start: restart its container and time until it answers.
  const t0 = Date.now();
  execFileSync('docker', ['compose', 'restart', 'rocketchat'], { cwd: dir, stdio: 'ignore' });
  for (;;) {
    if (
      await fetch(`http://127.0.0.1:${port}/api/info`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const start = Date.now() - t0;
  execFileSync('docker', ['compose', 'down', '--volumes', '--timeout', '2'], { cwd: dir, stdio: 'ignore' });
  rmSync(root, { recursive: true, force: true });
  console.log(
    `upgrade downtime: ${(down / 1000).toFixed(2)} s (longest window ${(longest / 1000).toFixed(2)} s); the new release starts in ${(start / 1000).toFixed(2)} s; images are pulled before the switch`,
  );
  report('downtime - (own start + 2 s)', (down - start - 2000) / 1000, '<= 0', 's', down <= start + 2000);
}

/** `wizard doctor --json` on a healthy Mattermost stand-in install: wall time, median of 5, against 1.5 s. */
async function doctor() {
  const { ensureStandinImages, makeFixtureRepo } = await import('../test/e2e/helpers/standins.ts');
  const { freePort } = await import('../test/e2e/helpers/wizard.ts');
  await ensureStandinImages();
  const root = mkdtempSync(join(tmpdir(), 'wizard-bench-'));
  const repo = await makeFixtureRepo(root, 'mattermost-docker');
  const wenv = { ...process.env, WIZARD_ROOT: root, NO_COLOR: '1' };
  const port = await freePort();
  execFileSync(
    node,
    [
      CLI,
      'install',
      '--platform',
      'mattermost',
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
    ],
    { env: wenv, stdio: 'ignore' },
  );
  const dir = join(root, 'opt/mattermost');
  try {
    const times = [];
    for (let i = 0; i < 5; i++) {
      // Exit 1 (host warnings) is fine; 2 would mean the install is not healthy.
      const t = process.hrtime.bigint();
      const r = spawnSync(node, [CLI, 'doctor', '--json'], { env: wenv, encoding: 'utf8' });
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (r.status === 2)
        console.log(
          `doctor found failures: ${JSON.parse(r.stdout)
            .findings.filter((f) => f.severity === 'fail')
            .map((f) => f.id)
            .join(', ')}`,
        );
    }
    const m = median(times);
    console.log(
      `wizard doctor --json on a healthy install: ${m.toFixed(0)} ms (median of 5: ${times.map((t) => t.toFixed(0)).join(', ')})`,
    );
    report('wizard doctor --json / 1.5 s', m / 1500, '<= 1.0', 'x', m <= 1500);
  } finally {
    execFileSync('docker', ['compose', 'down', '--volumes', '--timeout', '2'], { cwd: dir, stdio: 'ignore' });
    rmSync(root, { recursive: true, force: true });
  }
}

const which = process.argv.slice(2);
const all = which.length === 0;
if (all || which.includes('startup')) startup();
if (all || which.includes('frame')) await frame();
if (all || which.includes('install')) await install();
if (all || which.includes('upgrade')) await upgrade();
if (all || which.includes('crash')) await crash();
if (all || which.includes('doctor')) await doctor();
