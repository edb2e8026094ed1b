import { isAbsolute, normalize } from 'node:path';
import type { Validation } from './domain.js';

/**
 * The one validation of a folder answer (--data-dir from a flag, WIZARD_DATA_DIR, an answers file or the
 * question): the wizard runs as root and makes that folder the install's, so it must never be a system folder,
 * a home, the wizard's own, a file, or a folder holding something else.
 */

/** What is at a path now (gathered by src/system, which also resolves links). */
export type PathFacts =
  | { kind: 'missing' }
  | { kind: 'dir'; empty: boolean; real?: string }
  | { kind: 'file' }
  /** A part of the path is a file (ENOTDIR). */
  | { kind: 'under-file' }
  /** A device, socket, pipe or dangling link. */
  | { kind: 'other' }
  /** Can't be looked at (permission): judged when written. */
  | { kind: 'unknown' };

/** Folders whose whole tree belongs to the system, to users, to Docker or to the wizard itself. */
const SYSTEM_TREES = [
  '/etc',
  '/usr',
  '/bin',
  '/sbin',
  '/boot',
  '/dev',
  '/proc',
  '/sys',
  '/run',
  '/var/run',
  '/var/lock',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/root',
  '/home',
  '/tmp',
  '/var/tmp',
  '/snap',
  '/lost+found',
  // The wizard's own: its state, its logs, its installed releases.
  '/var/lib/wizard',
  '/var/log/wizard',
  '/opt/wizard',
];
/** Folders that are fine to hold an install, but not to be one. */
const SYSTEM_FOLDERS = [
  '/',
  '/var',
  '/var/lib',
  '/var/log',
  '/var/cache',
  '/var/spool',
  '/var/mail',
  '/opt',
  '/srv',
  '/mnt',
  '/media',
];

/** A control character (C0, DEL, C1): never part of a path anyone means. */
export function hasControlChar(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** Why a normalised absolute path is a system folder, or undefined. */
export function systemFolder(path: string): string | undefined {
  if (SYSTEM_FOLDERS.includes(path)) return `${path} is a system folder`;
  if (/^\/lib[^/]*(\/|$)/.test(path)) return `${path} is in the system's libraries`;
  const tree = SYSTEM_TREES.find((t) => path === t || path.startsWith(`${t}/`));
  if (!tree) return undefined;
  if (tree === '/home' || tree === '/root') return `${path} is ${path === tree ? 'the' : 'in a'} home folder`;
  if (['/var/lib/wizard', '/var/log/wizard', '/opt/wizard'].includes(tree))
    return `${path} is the wizard's own folder`;
  if (tree === '/tmp' || tree === '/var/tmp') return `${path} is a temporary folder (emptied at boot)`;
  if (tree.includes('docker') || tree.includes('containerd')) return `${path} belongs to Docker`;
  return `${path} is ${path === tree ? 'a' : 'in a'} system folder`;
}

export interface DataDirContext {
  /** What is at a logical path (WIZARD_ROOT applied by the caller); not given: syntax only. */
  facts?: (path: string) => PathFacts;
  /** The install the state records with this data dir, if any. */
  recordedBy?: (path: string) => string | undefined;
  /** This install's name, when known. */
  name?: string;
}

/** Validates a data dir answer and returns it normalised (no trailing slash). */
export function validateDataDir(input: string, ctx: DataDirContext = {}): Validation<string> {
  const raw = input.replace(/^ +| +$/g, '');
  const shown = JSON.stringify(input);
  const example = 'Give a folder such as /opt/mattermost or /srv/chat.';
  if (hasControlChar(raw))
    return { ok: false, error: `The data dir ${shown} holds a control character.`, remedy: example };
  const path = raw.length > 1 ? raw.replace(/\/+$/, '') : raw;
  if (!isAbsolute(path) || normalize(path) !== path)
    return {
      ok: false,
      error: `"${raw}" is not an absolute, normalised folder path.`,
      remedy: `${example} (starting with /, no "." or ".." parts).`,
    };
  const system = systemFolder(path);
  if (system)
    return {
      ok: false,
      error: `${system}: the wizard will not make it an install's data dir (it would own and change it as root).`,
      remedy: `${example} The default is /opt/<platform>.`,
    };
  const facts = ctx.facts?.(path) ?? { kind: 'missing' };
  switch (facts.kind) {
    case 'file':
      return {
        ok: false,
        error: `${path} is a file, not a folder.`,
        remedy: 'Give a folder (new or empty), or move the file away.',
      };
    case 'under-file':
      return {
        ok: false,
        error: `A part of ${path} is a file, not a folder.`,
        remedy: 'Give a path made of folders, or move that file away.',
      };
    case 'other':
      return {
        ok: false,
        error: `${path} is not a folder (a device, socket or broken link).`,
        remedy: 'Give a folder (new or empty), or move it away.',
      };
    case 'dir': {
      const real = facts.real && facts.real !== path ? systemFolder(facts.real) : undefined;
      if (real)
        return {
          ok: false,
          error: `${path} leads to ${facts.real}: ${real}.`,
          remedy: `${example} The default is /opt/<platform>.`,
        };
      const owner = ctx.recordedBy?.(path);
      if (owner !== undefined && ctx.name !== undefined && owner !== ctx.name)
        return {
          ok: false,
          error: `${path} is the data dir of the install "${owner}".`,
          remedy: `Give this install its own folder, or repair that one with --name ${owner}.`,
        };
      if (!facts.empty && owner === undefined)
        return {
          ok: false,
          error: `${path} is not empty and is not an install of this wizard.`,
          remedy:
            'Give a new or empty folder; the wizard does not write into a folder holding something else.',
        };
      return { ok: true, value: path };
    }
    default:
      return { ok: true, value: path };
  }
}
