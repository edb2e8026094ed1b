import { dirname } from 'node:path';
import { WizardError } from './errors.js';

/**
 * Failures of the machine, not of the wizard: a read-only or full filesystem, a permission the kernel refuses,
 * a disk that reports errors. Each gets its cause and a remedy; "This is a bug" stays for real bugs.
 */
export class EnvironmentError extends WizardError {}

type Errno = NodeJS.ErrnoException & { dest?: string };

const isErrno = (e: unknown): e is Errno =>
  e instanceof Error && typeof (e as Errno).code === 'string' && /^E[A-Z0-9]+$/.test((e as Errno).code ?? '');

const AGAIN = 'then run the same command again: finished steps are kept.';

/**
 * The environmental failure an error stands for, with cause and remedy; undefined for anything else (a bug, a
 * refused command). `path` names what was being written (in place of the error's own path, e.g. a temp file's).
 */
export function environmentalError(
  e: unknown,
  opts: { path?: string; asRoot?: boolean } = {},
): EnvironmentError | undefined {
  if (e instanceof EnvironmentError) return e;
  if (!isErrno(e)) return undefined;
  const path = opts.path ?? e.path;
  const where = path ? ` ${path}` : '';
  const dir = path ? dirname(path) : '.';
  switch (e.code) {
    case 'EROFS':
      return new EnvironmentError(
        `The filesystem holding${where || ' this path'} is read-only: nothing could be written there.`,
        `If the disk went read-only after errors, read \`dmesg\` and check the disk first; else remount it read-write (findmnt -T ${dir}, then mount -o remount,rw MOUNTPOINT), ${AGAIN}`,
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return new EnvironmentError(
        `No space left on the disk holding${where || ' this path'}${e.code === 'EDQUOT' ? ' (quota reached)' : ''}.`,
        `Free space there (df -h ${dir}; docker system df shows what Docker keeps), ${AGAIN}`,
      );
    case 'EACCES':
    case 'EPERM':
      return new EnvironmentError(
        `Permission denied${e.syscall ? ` (${e.syscall})` : ''}:${where || ' a file the wizard needs'}.`,
        opts.asRoot === false
          ? 'The wizard changes the whole server: run it as root (sudo wizard ...).'
          : `Even root was refused: check the file's attributes (lsattr -d${where}), the mount (findmnt -T ${dir}: an NFS root_squash or a read-only bind) and any AppArmor/SELinux denial (dmesg), ${AGAIN}`,
      );
    case 'ENOTDIR':
      return new EnvironmentError(
        `A part of the path${where} is a file, not a folder.`,
        `Move that file away or choose another path, ${AGAIN}`,
      );
    case 'EISDIR':
      return new EnvironmentError(
        `${path ?? 'The path'} is a folder where a file was expected.`,
        `Move that folder away or give a file path, ${AGAIN}`,
      );
    case 'ELOOP':
      return new EnvironmentError(
        `${path ?? 'A path'} is a symbolic link where the wizard expects its own file or folder: it does not follow links there.`,
        `Look at where it points (ls -l ${path ?? 'PATH'}); if the wizard did not make it, remove the link (rm ${path ?? 'PATH'}), ${AGAIN}`,
      );
    case 'EIO':
      return new EnvironmentError(
        `The disk reports an input/output error${where ? ` on${where}` : ''}.`,
        'Check the disk and its filesystem (dmesg, smartctl -a), then run the same command again.',
      );
    case 'EMFILE':
    case 'ENFILE':
      return new EnvironmentError(
        'Too many open files on this server.',
        'Close what holds them (lsof | wc -l) or raise the limit (ulimit -n), then run the same command again.',
      );
    default:
      return undefined;
  }
}
