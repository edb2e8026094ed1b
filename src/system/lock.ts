import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { WizardError } from '../core/errors.js';
import { environmentalError } from '../core/fs-errors.js';

/** Exit code when another run holds the lock. */
export const LOCKED_EXIT_CODE = 4;

export class LockedError extends WizardError {
  override readonly exitCode = LOCKED_EXIT_CODE;
}

/** What the lock file holds: who took it, and when that process started (to tell a reused pid). */
export interface LockHolder {
  pid: number;
  /** Field 22 of /proc/PID/stat (clock ticks after boot): a reused pid has another. */
  start?: string;
  command?: string;
  startedAt?: string;
  /** Makes every lock's content unique, so a takeover names exactly the lock it replaces. */
  id?: string;
}

/** The start time of a process (field 22 of /proc/PID/stat), or undefined when it is gone or /proc is not there. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the process that took a lock still runs: its pid, and its start time where the lock recorded one. */
export function holderAlive(h: LockHolder | undefined): boolean {
  if (!h || !Number.isInteger(h.pid) || h.pid <= 0) return false;
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = processStart(h.pid);
  // Another process with the same pid (after a reboot, or pid reuse) is not the holder.
  if (h.start !== undefined && start !== undefined) return start === h.start;
  return true;
}

function parse(text: string | undefined): LockHolder | undefined {
  if (text === undefined) return undefined;
  try {
    const h = JSON.parse(text) as LockHolder;
    return typeof h === 'object' && h !== null ? h : undefined;
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** A fresh file holding `content`, under a random name next to `path`. */
function stage(path: string, content: string): string {
  const tmp = `${path}.${randomBytes(8).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

/** Creates `path` holding `content` in one step (a hard link of a whole file): false when it exists. */
function createWith(path: string, content: string): boolean {
  const tmp = stage(path, content);
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Replaces the stale file at `path` (holding `stale`) with `content`, racing other runs safely: the right to
 * replace that one generation is itself a file created in one step (`path.takeover-HASH`), and the winner checks
 * that `path` still holds `stale` before it renames over it. A guard left by a run that died is taken over the
 * same way, one level down.
 */
function takeOver(path: string, stale: string, content: string, depth = 0): boolean {
  const guard = `${path}.takeover-${createHash('sha256').update(stale).digest('hex').slice(0, 16)}`;
  let won = createWith(guard, content);
  if (!won) {
    const held = readText(guard);
    if (held === undefined || depth >= 3 || holderAlive(parse(held))) return false;
    won = takeOver(guard, held, content, depth + 1);
    if (!won) return false;
  }
  try {
    if (readText(path) !== stale) return false;
    renameSync(stage(path, content), path);
    return true;
  } finally {
    // The guard holds our content: no one else removes or replaces it while this process runs.
    rmSync(guard, { force: true });
  }
}

/** A short synchronous pause between attempts (the lock is taken before anything else runs). */
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * One mutating wizard run per host: STATE_DIR/wizard.lock, created in one step with its content (pid, the pid's
 * start time, the command, when). A second run is refused, naming the holder; a lock whose process is gone, or
 * whose pid now belongs to another process (another start time), is taken over.
 */
export function acquireLock(stateDir: string, command: string): () => void {
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o755 });
  } catch (e) {
    throw environmentalError(e, { path: stateDir, asRoot: process.getuid?.() === 0 }) ?? e;
  }
  const path = join(stateDir, 'wizard.lock');
  const start = processStart(process.pid);
  const mine = JSON.stringify({
    pid: process.pid,
    ...(start ? { start } : {}),
    command,
    startedAt: new Date().toISOString(),
    id: randomBytes(8).toString('hex'),
  } satisfies LockHolder);
  const release = () => {
    try {
      if (readText(path) === mine) rmSync(path, { force: true });
    } catch {
      // already gone, or the disk went away: the next run judges it by its pid
    }
    process.off('exit', release);
  };
  let taken = false;
  try {
    for (let attempt = 0; attempt < 20 && !taken; attempt++) {
      taken = createWith(path, mine);
      if (taken) break;
      const text = readText(path);
      if (text === undefined) continue;
      const held = parse(text);
      if (held && holderAlive(held)) throw lockedBy(held, path);
      taken = takeOver(path, text, mine);
      // Else another run is replacing the same stale lock: see who got it.
      if (!taken) pause(10 + attempt * 10);
    }
  } catch (e) {
    throw environmentalError(e, { path, asRoot: process.getuid?.() === 0 }) ?? e;
  }
  if (!taken)
    throw new WizardError(
      `Can't take the lock ${path}: other wizard runs keep changing it.`,
      'Wait until no other wizard runs, then run this again.',
    );
  process.once('exit', release);
  return release;
}

function lockedBy(h: LockHolder, path: string): LockedError {
  const what = `\`wizard ${h.command ?? '?'}\` (pid ${h.pid}, started ${h.startedAt ?? 'at an unknown time'})`;
  return new LockedError(
    `Another wizard run is changing this server: ${what}.`,
    h.start === undefined
      ? `Wait for it to finish, then run this again. The lock was written by an older wizard: if \`ps -o pid,lstart,args -p ${h.pid}\` shows no wizard, remove ${path} and run this again.`
      : `Wait for it to finish (ps -o pid,lstart,args -p ${h.pid} shows it), then run this again.`,
  );
}
