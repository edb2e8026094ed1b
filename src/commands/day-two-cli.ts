import type { Command } from 'commander';
import type { Deps } from './deps.js';

/**
 * The day-two commands on the CLI: `backup` (with `list` and `verify`), `restore`, `uninstall`. src/main.tsx hands
 * over how a command gets its dependencies and sets the exit code; each command takes the lock itself once its
 * input is known good (bad input creates nothing).
 */
export function registerDayTwo(
  program: Command,
  r: {
    deps: (command: string) => Deps;
    exit: (code: number) => void;
    /** Takes the host's lock for a command (waiting for another run that holds it). */
    lock: (deps: Deps, command: string) => Promise<unknown>;
  },
): void {
  const repoOptions = (cmd: Command) =>
    cmd
      .option(
        '--repo-password-file <file>',
        'the restic repository password (a 0600 file; made when missing)',
      )
      .option(
        '--repo-env <file>',
        'a 0600 env file with restic settings (e.g. AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)',
      );
  const backup = repoOptions(
    program
      .command('backup')
      .description(
        'back up an install: database dump, data folders and volumes, env and compose files, its state',
      )
      .argument('[install]', 'an install name or domain (may be omitted when the host has one)')
      .option('--to <dir>', 'the folder the archive goes to (default DATA_DIR/backups)')
      .option('--keep <n>', "keep the newest N of this install's backups there (and in --repo)")
      .option(
        '--schedule <period>',
        'daily | weekly | off: a systemd timer runs wizard backup without a terminal',
      )
      .option(
        '--repo <repo>',
        'also store it in this restic repository: /path, sftp:user@host:/path, s3:https://host/bucket',
      )
      .option('-y, --yes', 'do not ask (install restic if --repo needs it)')
      .option('--json', 'print the result as JSON on stdout'),
  )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  wizard backup rocketchat                         archive in /opt/rocketchat/backups, digest recorded',
        '  wizard backup rocketchat --to /mnt/backups --keep 7',
        '  wizard backup rocketchat --repo sftp:backup@nas:/srv/restic --keep 14',
        '  wizard backup rocketchat --schedule daily --keep 7',
        '  wizard backup list [INSTALL]                      the backups this host recorded',
        '  wizard backup verify FILE                         hashes, and a trial restore of the dump',
        '',
        'Exit codes: 0 done, 1 failed (no partial archive is left), 2 bad input.',
      ].join('\n'),
    )
    .action(async (name: string | undefined, opts: Record<string, unknown>) => {
      const d = r.deps('backup');
      const { backupCommand } = await import('./backup.js');
      r.exit(
        await backupCommand({ ...opts, ...(name ? { install: name } : {}) }, d, () => r.lock(d, 'backup')),
      );
    });
  repoOptions(
    backup
      .command('list')
      .description('the backups this host recorded (and with --repo, the snapshots in a restic repository)')
      .argument('[install]', 'only this install')
      .option('--repo <repo>', 'also list the snapshots in this restic repository')
      .option('--json', 'print JSON on stdout'),
  ).action(async (name: string | undefined, opts: Record<string, unknown>) => {
    const d = r.deps('backup-list');
    const { backupListCommand } = await import('./backup-list.js');
    r.exit(await backupListCommand({ ...opts, ...(name ? { install: name } : {}) }, d));
  });
  backup
    .command('verify')
    .description(
      'check a backup: its digest, every member against its manifest, and a trial restore of the dump',
    )
    .argument('<file>', 'the backup archive')
    .option('--json', 'print JSON on stdout')
    .addHelpText(
      'after',
      '\nExit codes: 0 sound, 1 the trial restore failed, 2 refused (altered, unknown, not a backup).',
    )
    .action(async (file: string, opts: { json?: boolean }) => {
      const d = r.deps('backup-verify');
      const { backupVerifyCommand } = await import('./backup-verify.js');
      r.exit(await backupVerifyCommand({ file, ...opts }, d));
    });
  repoOptions(
    program
      .command('restore')
      .description(
        'put an install back as a backup holds it, on this host or a new one (then it is installed first)',
      )
      .argument('[backup]', 'the backup file (with --from-repo: a snapshot id, default the newest)')
      .option('-y, --yes', 'do not ask (the data is replaced)')
      .option(
        '--digest <digest>',
        "the archive's digest (sha256-members-v1:..., printed by wizard backup), for a backup this host did not record",
      )
      .option('--sha256 <hash>', "a backup from an older wizard: the archive file's SHA-256 it printed")
      .option('--trust', 'restore a backup whose digest is not known here, unchecked (warned)')
      .option('--from-repo <repo>', 'take the backup from this restic repository')
      .option('--repo-url <url>', "a new server: clone the platform's compose repository from here instead")
      .option('--offline', 'a new server: use the images already on this host')
      .option(
        '--ignore-check <id>',
        'a new server: go on although this install check fails (repeatable)',
        (v: string, prev: string[] = []) => [...prev, v],
      ),
  )
    .addHelpText(
      'after',
      '\nExit codes: 0 restored, 1 failed, 2 bad input or a refused backup (another platform, a newer wizard, altered).',
    )
    .action(async (file: string | undefined, opts: Record<string, unknown>) => {
      const d = r.deps('restore');
      const { restoreCommand } = await import('./restore.js');
      r.exit(
        await restoreCommand({ ...opts, ...(file ? { backup: file } : {}) }, d, () => r.lock(d, 'restore')),
      );
    });
  program
    .command('uninstall')
    .description(
      'remove an install: containers, networks, proxy site, firewall ports, state (data kept unless --purge)',
    )
    .argument('[install]', 'an install name or domain (may be omitted when the host has one)')
    .option(
      '--purge',
      'also delete its data folder and volumes (asked again; without a terminal: --yes --purge)',
    )
    .option('--backup', 'back up first (the default with --yes)')
    .option('--no-backup', 'do not back up first')
    .option(
      '--to <dir>',
      'where that backup goes (default DATA_DIR/backups; with --purge /var/backups/wizard)',
    )
    .option('-y, --yes', 'do not ask')
    .addHelpText(
      'after',
      '\nExit codes: 0 removed (or already), 1 failed (run it again), 2 bad input or no "yes".',
    )
    .action(async (name: string | undefined, opts: Record<string, unknown>) => {
      const d = r.deps('uninstall');
      const { uninstallCommand } = await import('./uninstall.js');
      r.exit(
        await uninstallCommand({ ...opts, ...(name ? { install: name } : {}) }, d, () =>
          r.lock(d, 'uninstall'),
        ),
      );
    });
}
