// Backup benchmark: `wizard backup` of a stand-in Mattermost holding 1 GiB of uploaded files, against what a shell
// script would do for the same content: pg_dump inside the container, then `tar -cf` of the same folders and the
// dump. Medians of alternating runs, the page cache warm for both. Prints the ratio (goal <= 1.3) and the downtime.
//   node bench/run.mjs backup
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const FOLDERS = ['config', 'data', 'plugins', 'client/plugins'].map((f) => `volumes/app/mattermost/${f}`);

export async function backup({ CLI, node, report }) {
  const { ensureStandinImages, makeFixtureRepo } = await import('../test/e2e/helpers/standins.ts');
  const { freePort } = await import('../test/e2e/helpers/wizard.ts');
  await ensureStandinImages();
  const root = mkdtempSync(join(tmpdir(), 'wizard-bench-backup-'));
  const env = { ...process.env, WIZARD_ROOT: root, WIZARD_FEED_URL: 'off', NO_COLOR: '1' };
  const dir = join(root, 'opt/mattermost');
  const state = () =>
    JSON.parse(readFileSync(join(root, 'var/lib/wizard/state.json'), 'utf8')).installs.mattermost;
  try {
    const repo = await makeFixtureRepo(root, 'mattermost-docker');
    const port = await freePort();
    const inst = spawnSync(
      node,
      [
        CLI,
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
      { env, encoding: 'utf8' },
    );
    if (inst.status !== 0) throw new Error(`install failed: ${inst.stderr}`);
    // 1 GiB of uploads: 256 files of 4 MiB (incompressible, as photos are), owned by the container's user.
    const uploads = join(dir, 'volumes/app/mattermost/data/bench');
    const out = join(root, 'out');
    mkdirSync(out);
    const r = state();
    const compose = [
      'compose',
      '--project-name',
      r.project,
      '--project-directory',
      dir,
      ...r.composeFiles.flatMap((f) => ['-f', f]),
    ];
    const dump = `exec pg_dump --format=custom --no-owner -U "$POSTGRES_USER" -d "\${POSTGRES_DB:-$POSTGRES_USER}"`;
    const plain = () => {
      const t = process.hrtime.bigint();
      const d = spawnSync(
        'sh',
        [
          '-c',
          `docker ${compose.map((a) => `'${a}'`).join(' ')} exec -T postgres sh -c '${dump}' > ${out}/postgres.dump`,
        ],
        { cwd: dir },
      );
      if (d.status !== 0) throw new Error('pg_dump failed');
      execFileSync('tar', ['-cf', join(out, 'plain.tar'), '-C', dir, ...FOLDERS, '-C', out, 'postgres.dump']);
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      rmSync(join(out, 'plain.tar'));
      rmSync(join(out, 'postgres.dump'));
      return ms;
    };
    const wizard = () => {
      const t = process.hrtime.bigint();
      const w = spawnSync(node, [CLI, 'backup', 'mattermost', '--to', '/out', '--json'], {
        env,
        encoding: 'utf8',
      });
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (w.status !== 0) throw new Error(`wizard backup failed: ${w.stderr}`);
      const result = JSON.parse(w.stdout);
      for (const f of readdirSync(out)) rmSync(join(out, f));
      return { ms, downtime: result.downtimeSeconds, size: result.size };
    };
    // What each costs with (almost) no data: the wizard's own fixed cost beside the same pg_dump.
    const small = {
      plain: median([plain(), plain(), plain()]),
      wizard: median([wizard().ms, wizard().ms, wizard().ms]),
    };
    mkdirSync(uploads, { recursive: true });
    const chunk = randomBytes(4 << 20);
    for (let i = 0; i < 256; i++) {
      chunk.writeUInt32LE(i, 0);
      writeFileSync(join(uploads, `f${String(i).padStart(3, '0')}.bin`), chunk);
      chownSync(join(uploads, `f${String(i).padStart(3, '0')}.bin`), 2000, 2000);
    }
    // Warm the page cache and both paths once.
    plain();
    wizard();
    const runs = 5;
    const p = [];
    const w = [];
    let last;
    for (let i = 0; i < runs; i++) {
      if (i % 2) {
        p.push(plain());
        last = wizard();
        w.push(last.ms);
      } else {
        last = wizard();
        w.push(last.ms);
        p.push(plain());
      }
    }
    const mp = median(p);
    const mw = median(w);
    console.log(
      `backup of 1 GiB of uploads + the database: tar + pg_dump ${(mp / 1000).toFixed(2)} s, wizard backup ${(mw / 1000).toFixed(2)} s (medians of ${runs}; archive ${(last.size / 1024 ** 3).toFixed(2)} GiB, each byte hashed once)`,
    );
    console.log(
      `without the 1 GiB: pg_dump + tar ${(small.plain / 1000).toFixed(2)} s, wizard backup ${(small.wizard / 1000).toFixed(2)} s (its own fixed cost: ${((small.wizard - small.plain) / 1000).toFixed(2)} s); the 1 GiB adds ${((mp - small.plain) / 1000).toFixed(2)} s to tar, ${((mw - small.wizard) / 1000).toFixed(2)} s to the wizard (one SHA-256 pass, on one thread)`,
    );
    console.log(
      `backup downtime: ${last.downtime} s (Mattermost serves throughout; chatmail's relay stops while its volumes are copied)`,
    );
    report('wizard backup / (tar + pg_dump)', mw / mp, '<= 1.3', 'x', mw / mp <= 1.3);
  } finally {
    try {
      execFileSync('docker', ['compose', 'down', '--volumes', '--timeout', '2'], {
        cwd: dir,
        stdio: 'ignore',
      });
    } catch {}
    rmSync(root, { recursive: true, force: true });
  }
}
