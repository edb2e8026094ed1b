// Benchmarks for the goals of the install spine. Prints ratios against each goal; never fails a build.
//   node bench/run.mjs [startup|frame|install|upgrade|crash|doctor|backup]...   (default: all; all but `startup` and
//   `frame` need Docker and the stand-ins; run them under the e2e lock: flock /tmp/wizard-e2e.lock npm run bench -- install)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, installArgs, median, node, report, time } from './lib.mjs';
import { crash, install, upgrade } from './stacks.mjs';

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

/** `wizard doctor --json` on a healthy Mattermost stand-in install: wall time, median of 5, against 1.5 s. */
async function doctor() {
  const { ensureStandinImages, makeFixtureRepo } = await import('../test/e2e/helpers/standins.ts');
  const { freePort } = await import('../test/e2e/helpers/wizard.ts');
  await ensureStandinImages();
  const root = mkdtempSync(join(tmpdir(), 'wizard-bench-'));
  const repo = await makeFixtureRepo(root, 'mattermost-docker');
  const wenv = { ...process.env, WIZARD_ROOT: root, NO_COLOR: '1' };
  const port = await freePort();
  execFileSync(node, [CLI, ...installArgs('mattermost', repo, port)], { env: wenv, stdio: 'ignore' });
  const dir = join(root, 'opt/mattermost');
  try {
    const times = [];
    for (let i = 0; i < 5; i++) {
      // Exit 1 (host warnings) is fine; 2 would mean the install is not healthy.
      const t = process.hrtime.bigint();
      const r = spawnSync(node, [CLI, 'doctor', '--json'], { env: wenv, encoding: 'utf8' });
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (r.status !== 0 && r.status !== 1 && r.status !== 2)
        throw new Error(
          `wizard doctor --json exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`,
        );
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
if (all || which.includes('backup')) await (await import('./backup.mjs')).backup({ CLI, node, report });
