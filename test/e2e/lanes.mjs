// Runs the whole e2e suite (vitest's e2e project) in two lanes at once: two vitest processes, each running its files
// one after another. A file that takes something the host has only once (a fixed port, container name or network
// namespace) sits in the lane that owns that thing, so two such files never run at the same time; every other file
// only uses its own WIZARD_ROOT, compose project, free ports and temp folders, and can run next to anything.
// Writes one report, e2e-report.json (vitest's JSON, the lanes' reports merged), which .ci/run checks; exits non-zero
// when a lane fails or a file of test/e2e is in no lane. E2E_LANES=1 runs every file in one vitest process (serial).
// Run it under the shared lock: flock /tmp/wizard-e2e.lock node test/e2e/lanes.mjs
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '../..');
const e2eDir = path.join(repo, 'test/e2e');
const vitest = path.join(repo, 'node_modules/vitest/vitest.mjs');
// The project's Node (the `node` devDependency, as npm scripts run it), whichever node started this script: the
// tests start the wizard with the node that runs them.
const nodeBin = existsSync(path.join(repo, 'node_modules/.bin/node'))
  ? path.join(repo, 'node_modules/.bin/node')
  : process.execPath;

/**
 * The lanes. `owns` says which host-wide things the lane's files take; a file that takes one of them must be in that
 * lane. Files that take nothing of the host's are spread to even out the lanes' wall time (about 5-6 min each).
 */
const LANES = [
  {
    name: 'rc',
    owns:
      "Rocket.Chat's default host ports (MongoDB 27017, NATS 4222, metrics 9458) taken by every `wizard install` of " +
      'Rocket.Chat, and the Rocket.Chat image tags a file points elsewhere for its test (8.0.0, 8.0.2)',
    files: [
      'upgrade',
      'doctor',
      'waits',
      'backup-rocketchat',
      'hangup',
      'install',
      'faults-disk',
      'install-feed',
      'interrupt',
      'terminal-80x24',
      'terminal',
      // nothing of the host's
      'backup-mastodon',
      'install-sh',
      'standins',
      'self-update',
      'host-readiness',
      'standin-nginx-certbot',
      'nginx',
    ],
  },
  {
    name: 'mm',
    owns:
      "the relay's container name `chatmail` and the host's network (the chatmail files), the proxy on the host's " +
      'ports 80/443 (doctor-cert), and the Mattermost image tags a file points elsewhere for its test (11.7.15)',
    files: [
      'doctor-chatmail',
      'backup-chatmail',
      'chatmail',
      'doctor-cert',
      'faults',
      'upgrade-resume',
      'upgrade-mattermost',
      'backup-schedule-restic',
      'mattermost',
      'doctor-platforms',
      'backup-mattermost',
      'doctor-host',
      'upgrade-feed',
      'mattermost-admin',
      // nothing of the host's: Mastodon installs on free ports
      'doctor-mastodon',
      'mastodon',
      'upgrade-mastodon',
    ],
  },
];

const all = readdirSync(e2eDir)
  .filter((f) => f.endsWith('.e2e.test.ts'))
  .map((f) => f.replace(/\.e2e\.test\.ts$/, ''));
const placed = LANES.flatMap((l) => l.files);
const missing = all.filter((f) => !placed.includes(f));
const unknown = placed.filter((f) => !all.includes(f));
const twice = placed.filter((f, i) => placed.indexOf(f) !== i);
if (missing.length || unknown.length || twice.length) {
  console.error(
    [
      missing.length ? `In no lane: ${missing.join(', ')}: add each to a lane in test/e2e/lanes.mjs.` : '',
      unknown.length ? `No such e2e file: ${unknown.join(', ')}.` : '',
      twice.length ? `In two lanes: ${twice.join(', ')}.` : '',
    ]
      .filter(Boolean)
      .join('\n'),
  );
  process.exit(2);
}

// The stand-in images, built once (content-hashed: about 1 s when nothing changed). The lanes' files then skip the
// build: one lane's file must not rebuild a tag the other lane's file has pointed elsewhere for its test.
const build = spawnSync('bash', [path.join(e2eDir, 'standins/build.sh')], { cwd: repo, stdio: 'inherit' });
if (build.status !== 0) {
  console.error(`Building the stand-in images failed (exit ${build.status}).`);
  process.exit(1);
}
process.env.WIZARD_E2E_STANDINS = 'built';

const lanes = process.env.E2E_LANES === '1' ? [{ name: 'e2e', files: placed }] : LANES;
const work = mkdtempSync(path.join(tmpdir(), 'wizard-e2e-lanes-'));
const started = Date.now();

/** Runs one lane's files in one vitest process; its output lines carry the lane's name. */
function runLane(lane) {
  const report = path.join(work, `${lane.name}.json`);
  const args = [
    vitest,
    'run',
    '--project',
    'e2e',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...lane.files.map((f) => `test/e2e/${f}.e2e.test.ts`),
  ];
  return new Promise((resolve) => {
    const child = spawn(nodeBin, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const [from, to] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ]) {
      let rest = '';
      from.on('data', (chunk) => {
        const lines = (rest + chunk.toString()).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) to.write(`[${lane.name}] ${line}\n`);
      });
      from.on('end', () => rest && to.write(`[${lane.name}] ${rest}\n`));
    }
    child.on('close', (code) => {
      const seconds = Math.round((Date.now() - started) / 1000);
      console.log(`[${lane.name}] lane done in ${seconds} s (exit ${code})`);
      let json;
      try {
        json = JSON.parse(readFileSync(report, 'utf8'));
      } catch {
        json = undefined;
      }
      resolve({ lane, code, json });
    });
  });
}

const results = await Promise.all(lanes.map(runLane));

// One report: counts summed, the earliest start, success only when every lane succeeded and wrote its report.
const merged = { success: true, testResults: [] };
for (const { code, json } of results) {
  if (!json || code !== 0) merged.success = false;
  if (!json) continue;
  for (const [k, v] of Object.entries(json)) {
    if (k === 'startTime') merged.startTime = Math.min(merged.startTime ?? v, v);
    else if (k === 'success') merged.success &&= v;
    else if (k === 'testResults') merged.testResults.push(...v);
    else if (typeof v === 'number') merged[k] = (merged[k] ?? 0) + v;
    else merged[k] ??= v;
  }
}
const ran = new Set(merged.testResults.map((t) => path.basename(t.name).replace(/\.e2e\.test\.ts$/, '')));
const notRun = all.filter((f) => !ran.has(f));
if (notRun.length) {
  console.error(`Not in any lane's report: ${notRun.join(', ')}.`);
  merged.success = false;
}
writeFileSync(path.join(repo, 'e2e-report.json'), JSON.stringify(merged));
rmSync(work, { recursive: true, force: true });
console.log(
  `e2e lanes: ${lanes.map((l) => l.name).join(' + ')} in ${Math.round((Date.now() - started) / 1000)} s; report e2e-report.json`,
);
process.exit(merged.success ? 0 : 1);
