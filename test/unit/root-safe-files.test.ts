import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/commands/plan.js';
import { withDefaults } from '../../src/core/answers.js';
import type { FileSpec } from '../../src/core/plan.js';
import type { Platform } from '../../src/core/platform.js';
import { lookupSystemUser } from '../../src/engine/user-step.js';
import { templateLoader } from '../../src/system/assets.js';
import { RealFileStore } from '../../src/system/files.js';
import { checkHandedOverDir, UnsafePathError, writeFileSafe } from '../../src/system/safe-fs.js';
import mastodon from '../../steps/mastodon/index.js';
import mattermost from '../../steps/mattermost/index.js';
import { tmpRoot } from '../helpers/tmp.js';

/**
 * The wizard runs as root and hands folders to container uids (Mastodon 991, 70, 999; Mattermost 2000). These
 * tests plant the attacks for real: a child process running as that uid makes the links, and root's next run
 * must neither write through them nor hand what they point at to that uid.
 */
const asRoot = process.getuid?.() === 0;

/** Runs a command as another uid (a real process), returning whether it succeeded. */
function asUid(uid: number, gid: number, file: string, args: string[]): boolean {
  return spawnSync(file, args, { uid, gid, stdio: 'ignore' }).status === 0;
}

/** A root whose folders other uids can traverse (tmpRoot is 0700), with root's secret file and folder to protect. */
function scratch() {
  const root = tmpRoot();
  chmodSync(root, 0o755);
  mkdirSync(join(root, 'etc/secret.d'), { recursive: true, mode: 0o700 });
  const secretFile = join(root, 'etc/shadow');
  writeFileSync(secretFile, 'root:$6$hash:19000::::::\n', { mode: 0o600 });
  // The system user the Mastodon install creates (ensureSystemUser), in this root's own passwd.
  writeFileSync(
    join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nmastodon:!:991:991:Mastodon:/opt/mastodon:/usr/sbin/nologin\n',
  );
  return { root, secretFile, secretDir: join(root, 'etc/secret.d') };
}

function untouched(secretFile: string, secretDir: string) {
  expect(readFileSync(secretFile, 'utf8')).toBe('root:$6$hash:19000::::::\n');
  for (const p of [secretFile, secretDir]) {
    const st = statSync(p);
    expect([p, st.uid, st.gid]).toEqual([p, 0, 0]);
  }
  expect(statSync(secretFile).mode & 0o777).toBe(0o600);
  expect(statSync(secretDir).mode & 0o777).toBe(0o700);
}

async function planOf(platform: Platform, root: string) {
  const files = new RealFileStore((p) => join(root, p));
  const answers = withDefaults(
    { platform: platform.id, domain: 'chat.example.com', email: 'admin@example.com', tls: 'none', extra: {} },
    platform,
  );
  const { plan } = await buildPlan(platform, answers, {
    files,
    templates: templateLoader(),
    hostPath: (p) => join(root, p),
    project: `${platform.id}-test`,
    proxyProject: 'proxy-test',
  });
  // As the install's writeFiles step does: a spec naming a system user is owned by it.
  const writeAll = async () => {
    for (const spec of plan.files) {
      const owner = spec.user ? await lookupSystemUser({ files }, spec.user) : undefined;
      await files.write(owner ? { ...spec, owner } : spec);
    }
  };
  return { plan, files, writeAll, dataDir: join(root, answers.dataDir) };
}

/** The folders a plan hands to a container's uid. */
const leaves = (plan: { files: FileSpec[] }) =>
  plan.files.filter((f): f is FileSpec & { owner: { uid: number; gid: number } } =>
    Boolean(f.kind === 'dir' && f.owner && f.owner.uid !== 0),
  );

describe.runIf(asRoot)('root never follows a link another uid planted', () => {
  for (const platform of [mattermost, mastodon] as Platform[]) {
    it(`${platform.title}: in each folder handed to a container, its uid can't swap the folder for a link, and a re-run writes and chowns nothing through the links it plants inside`, async () => {
      const { root, secretFile, secretDir } = scratch();
      const { plan, writeAll } = await planOf(platform, root);
      await writeAll();
      const handed = leaves(plan);
      expect(handed.length).toBeGreaterThan(0);
      for (const leaf of handed) {
        const path = join(root, leaf.path);
        const { uid, gid } = leaf.owner;
        expect([leaf.path, statSync(path).uid]).toEqual([leaf.path, uid]);
        // The reported attack: swap the leaf for a link to a root-owned folder, wait for root's next run.
        expect(asUid(uid, gid, 'mv', [path, `${path}.old`])).toBe(false);
        expect(asUid(uid, gid, 'ln', ['-s', secretDir, `${path}.link`])).toBe(false);
        // Inside the leaf (its own), links to root's file and folder under the names the app uses.
        expect(asUid(uid, gid, 'ln', ['-s', secretFile, join(path, 'config.json')])).toBe(true);
        expect(asUid(uid, gid, 'ln', ['-s', secretDir, join(path, 'data')])).toBe(true);
      }
      // Nor can they plant anything where root writes the files it feeds to Docker.
      for (const f of plan.files.filter((f) => f.kind === 'file')) {
        const st = statSync(join(root, f.path));
        expect([f.path, st.uid]).toEqual([f.path, 0]);
        for (const leaf of handed)
          expect(
            asUid(leaf.owner.uid, leaf.owner.gid, 'ln', ['-s', secretFile, `${join(root, f.path)}.x`]),
          ).toBe(false);
      }
      await writeAll();
      untouched(secretFile, secretDir);
      for (const leaf of handed) {
        const st = lstatSync(join(root, leaf.path));
        expect([leaf.path, st.isDirectory(), st.uid]).toEqual([leaf.path, true, leaf.owner.uid]);
      }
    });
  }

  it('Mattermost: a leaf found swapped for a link (e.g. under an older layout) stops the re-run, named; the folder it points at keeps its owner', async () => {
    const { root, secretFile, secretDir } = scratch();
    const { writeAll, dataDir } = await planOf(mattermost, root);
    await writeAll();
    const config = join(dataDir, 'volumes/app/mattermost/config');
    renameSync(config, `${config}.old`);
    symlinkSync(secretDir, config);
    const err = await writeAll().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafePathError);
    expect((err as Error).message).toBe(
      `${config} is a symbolic link, where the wizard expects the folder it gives to uid 2000.`,
    );
    expect((err as UnsafePathError).remedy).toContain(`rm ${config}`);
    untouched(secretFile, secretDir);
    // doctor --fix's chown checks the same before it runs.
    await expect(checkHandedOverDir(config)).rejects.toThrow(`${config} is a symbolic link.`);
  });

  it("Mastodon under the older layout (install folder owned by 991): a link 991 planted at root's predictable temp name is refused, the target neither written nor handed over", async () => {
    const { root, secretFile, secretDir } = scratch();
    const { writeAll, dataDir } = await planOf(mastodon, root);
    await writeAll();
    // What the wizard used to leave: the install folder and its files owned by the mastodon user.
    chownSync(dataDir, 991, 991);
    for (const f of ['.env.production', '.env.db', '.env', 'docker-compose.yml'])
      chownSync(join(dataDir, f), 991, 991);
    const compose = join(dataDir, 'docker-compose.yml');
    writeFileSync(compose, '# edited\n');
    // The old writer's temp name was .NAME.wizard-PID.tmp: 991 plants links at it for this very process.
    expect(
      asUid(991, 991, 'ln', [
        '-s',
        secretFile,
        join(dataDir, `.docker-compose.yml.wizard-${process.pid}.tmp`),
      ]),
    ).toBe(true);
    expect(
      asUid(991, 991, 'ln', [
        '-s',
        secretFile,
        join(dataDir, `.docker-compose.yml.bak.wizard-${process.pid}.tmp`),
      ]),
    ).toBe(true);
    const err = await writeAll().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafePathError);
    expect((err as Error).message).toContain(`${dataDir} is owned by uid 991, not root`);
    expect((err as UnsafePathError).remedy).toContain(`chown -h root:root ${dataDir}`);
    untouched(secretFile, secretDir);
    expect(readFileSync(compose, 'utf8')).toBe('# edited\n');
  });
});

describe('the file store keeps to its own files', () => {
  it('a link where it expects its own file stops the write (and the read), named; what it points at is untouched', async () => {
    const { root, secretFile, secretDir } = scratch();
    const files = new RealFileStore((p) => join(root, p));
    mkdirSync(join(root, 'opt/app'), { recursive: true });
    symlinkSync(secretFile, join(root, 'opt/app/.env'));
    const spec: FileSpec = {
      kind: 'file',
      path: '/opt/app/.env',
      mode: 0o644,
      content: 'A=1\n',
      description: 'env',
    };
    await expect(files.write(spec)).rejects.toThrow(`${join(root, 'opt/app/.env')} is a symbolic link.`);
    await expect(files.readText('/opt/app/.env')).rejects.toThrow(UnsafePathError);
    // Same content as the target: the old code took the "unchanged" path and chmodded the target through the link.
    const same: FileSpec = { ...spec, content: readFileSync(secretFile, 'utf8') };
    await expect(files.write(same)).rejects.toThrow(UnsafePathError);
    if (asRoot) untouched(secretFile, secretDir);
    else expect(readFileSync(secretFile, 'utf8')).toBe('root:$6$hash:19000::::::\n');
  });

  it('a link at the temp name drawn is never followed: another name is drawn, the target untouched', async () => {
    const { root, secretFile, secretDir } = scratch();
    const dir = join(root, 'opt/app');
    mkdirSync(dir, { recursive: true });
    const planted = join(dir, '.compose.yml.planted.wizard-tmp');
    symlinkSync(secretFile, planted);
    const names = [planted, join(dir, '.compose.yml.fresh.wizard-tmp')];
    await writeFileSafe(join(dir, 'compose.yml'), 'services: {}\n', 0o644, undefined, {
      tempName: () => names.shift() as string,
    });
    expect(readFileSync(join(dir, 'compose.yml'), 'utf8')).toBe('services: {}\n');
    expect(lstatSync(planted).isSymbolicLink()).toBe(true);
    if (asRoot) untouched(secretFile, secretDir);
    else expect(readFileSync(secretFile, 'utf8')).toBe('root:$6$hash:19000::::::\n');
  });

  it('writes only into folders no other user can change: a world-writable or foreign-owned folder is named', async () => {
    const { root } = scratch();
    const files = new RealFileStore((p) => join(root, p));
    mkdirSync(join(root, 'opt/open'), { recursive: true });
    chmodSync(join(root, 'opt/open'), 0o777);
    const spec = (path: string): FileSpec => ({
      kind: 'file',
      path,
      mode: 0o600,
      content: 'x',
      description: 'x',
    });
    await expect(files.write(spec('/opt/open/.env'))).rejects.toThrow(
      `${join(root, 'opt/open')} can be changed by any user (mode 0777)`,
    );
    // A sticky folder (like /tmp) is fine: no one else can rename root's entries in it.
    chmodSync(join(root, 'opt/open'), 0o1777);
    await expect(files.write(spec('/opt/open/.env'))).resolves.toBe('created');
    if (asRoot) {
      mkdirSync(join(root, 'opt/theirs'));
      chownSync(join(root, 'opt/theirs'), 2000, 2000);
      await expect(files.write(spec('/opt/theirs/sub/.env'))).rejects.toThrow(
        `${join(root, 'opt/theirs')} is owned by uid 2000, not root`,
      );
    }
  });

  it("a file owned by another uid where the wizard expects its own stops the write; the folders it creates are root's, one at a time", async () => {
    const { root } = scratch();
    const files = new RealFileStore((p) => join(root, p));
    const spec: FileSpec = {
      kind: 'file',
      path: '/opt/a/b/c/.env',
      mode: 0o600,
      content: 'A=1\n',
      description: 'x',
    };
    expect(await files.write(spec)).toBe('created');
    for (const d of ['opt/a', 'opt/a/b', 'opt/a/b/c'])
      expect(statSync(join(root, d)).mode & 0o7777).toBe(0o755);
    if (asRoot) {
      chownSync(join(root, 'opt/a/b/c/.env'), 991, 991);
      await expect(files.write({ ...spec, content: 'A=2\n' })).rejects.toThrow(
        `${join(root, 'opt/a/b/c/.env')} is owned by uid 991, not root`,
      );
      expect(readFileSync(join(root, 'opt/a/b/c/.env'), 'utf8')).toBe('A=1\n');
    }
  });
});
