// The benchmarks on the stand-in stacks (Docker): the offline install against plain `docker compose up` (paired),
// an upgrade's downtime, and how fast crashes end the waits. Run by bench/run.mjs.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  answers,
  CLI,
  down,
  installArgs,
  logAt,
  median,
  node,
  RC_ARGS,
  report,
  sleep,
  wizardLog,
} from './lib.mjs';

/**
 * The offline Rocket.Chat install on upstream's compose layout against plain `docker compose up -d` plus polling
 * on the same files and stand-ins, paired: each pair runs both from a cold stack (the order alternates), and the
 * ratio is taken per pair. Also the wizard's own overhead (process start to its first `compose up`) and the
 * progress lines a full install writes without a terminal.
 */
export async function install() {
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
export async function crash() {
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
export async function upgrade() {
  const { ensureStandinImages, makeFixtureRepo } = await import('../test/e2e/helpers/standins.ts');
  await ensureStandinImages();
  const root = mkdtempSync(join(tmpdir(), 'wizard-bench-'));
  const repo = await makeFixtureRepo(root, 'rocketchat-compose');
  const wenv = { ...process.env, WIZARD_ROOT: root, NO_COLOR: '1' };
  const port = 3313;
  execFileSync(node, [CLI, ...installArgs('rocketchat', repo, port, '--version', '7.13.0')], {
    env: wenv,
    stdio: 'ignore',
  });
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
