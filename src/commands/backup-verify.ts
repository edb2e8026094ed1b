import { resolve } from 'node:path';
import { dumpMember, headerProblem, human } from '../core/backup.js';
import { recordExpectation } from '../core/backup-digest.js';
import { UserError } from '../core/errors.js';
import { trialRestore } from '../engine/backup-verify.js';
import { ArchiveRefused } from '../system/archive-read.js';
import { systemClock } from '../system/timer.js';
import { archiverOf } from './backup-common.js';
import type { Deps } from './deps.js';

/**
 * `wizard backup verify FILE`: reads the whole archive once (its digest against the state's record, or for an
 * older backup the file's SHA-256; every member's SHA-256 against the manifest; the layout and member types; nothing
 * after the end), then restores its database dump into a scratch container.
 * Exit 0 sound, 2 refused (altered, unknown to this host, not a backup), 1 the trial restore failed.
 */
export async function backupVerifyCommand(
  opts: { file: string; json?: boolean },
  deps: Deps,
): Promise<number> {
  const file = resolve(opts.file);
  const archiver = archiverOf(deps);
  const header = await archiver.readHeader(file);
  const bad = headerProblem(header, { platforms: deps.platforms, wizard: deps.version });
  if (bad) throw new UserError(bad.error, bad.remedy);
  const platform = deps.platforms.find((p) => p.id === header.install.platform);
  const recorded = deps
    .state()
    .backups()
    .find((b) => b.file === file);
  const expected = recorded ? recordExpectation(recorded) : undefined;
  const say = (line: string) => {
    if (!opts.json) deps.term.stderr.write(`${line}\n`);
  };
  say(
    `Verifying ${file} (${platform?.title} ${header.install.release}, ${header.install.name}, ${header.createdAt})`,
  );
  const dump = header.contents.dump ? platform?.upgrade?.backup?.dump : undefined;
  const tmp = await archiver.freshFolder(deps.env.stateDir, 'verify-');
  const results: { check: string; ok: boolean; detail: string }[] = [];
  let exit = 0;
  try {
    let read: Awaited<ReturnType<typeof archiver.read>>;
    try {
      read = await archiver.read(file, {
        into: tmp,
        ...(expected && 'sha256' in expected ? { fileSha256: true } : {}),
        ...(dump ? { only: (n: string) => n === dumpMember(dump.file) } : { only: () => false }),
      });
    } catch (e) {
      if (!(e instanceof ArchiveRefused)) throw e;
      results.push({ check: 'members', ok: false, detail: e.message });
      exit = 2;
      return report();
    }
    const files = read.manifest.members.filter((m) => m.type === 'file').length;
    results.push({
      check: 'members',
      ok: true,
      detail: `${files} files match their SHA-256 in the manifest`,
    });
    if (!expected) {
      results.push({
        check: 'digest',
        ok: false,
        detail: `not a backup this host's wizard recorded (digest ${read.digest}); a restore needs --digest or --trust`,
      });
      exit = 2;
    } else if ('digest' in expected ? expected.digest !== read.digest : expected.sha256 !== read.sha256) {
      results.push({
        check: 'digest',
        ok: false,
        detail:
          'digest' in expected
            ? `digest ${read.digest} is not the ${expected.digest} recorded when it was written: altered`
            : `SHA-256 ${read.sha256} is not the ${expected.sha256} recorded when it was written: altered`,
      });
      exit = 2;
    } else
      results.push({
        check: 'digest',
        ok: true,
        detail:
          'digest' in expected
            ? `${read.digest} as recorded (${human(read.size)})`
            : `SHA-256 ${read.sha256} of the whole file as recorded (an older backup; ${human(read.size)})`,
      });
    if (exit === 2 && expected)
      results.push({
        check: 'trial-restore',
        ok: false,
        detail: 'not tried: the archive is not the one recorded',
      });
    else if (dump && header.contents.dump) {
      const image = header.contents.dump.image;
      const trial = image
        ? await trialRestore(deps.runner, dump, image, `${tmp}/${dumpMember(dump.file)}`, {
            clock: systemClock,
            output: (l) => say(`  ${l}`),
          })
        : { ok: false, detail: 'the backup does not name its database image' };
      results.push({ check: 'trial-restore', ok: trial.ok, detail: trial.detail });
      if (!trial.ok && exit === 0) exit = 1;
    } else results.push({ check: 'trial-restore', ok: true, detail: 'no database dump (nothing to try)' });
    return report();
  } finally {
    await archiver.remove(tmp);
  }

  function report(): number {
    if (opts.json)
      deps.term.stdout.write(
        `${JSON.stringify({ file, ok: exit === 0, exitCode: exit, results }, null, 2)}\n`,
      );
    else
      deps.term.stdout.write(
        `${results.map((r) => `${r.ok ? '✔' : '✖'} ${r.check.padEnd(13)} ${r.detail}`).join('\n')}\n${exit === 0 ? `✔ ${file} is sound.` : `✖ ${file} did not pass.`}\n`,
      );
    return exit;
  }
}
