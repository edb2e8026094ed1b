/**
 * Upgrade preflight: is there room for the backup and the new images before anything starts? The new images
 * are estimated by the size of the ones the install runs now (a release rarely doubles its images), the
 * backup by this install's previous backup (else a floor), each with a margin. When both land on one
 * filesystem, their needs add up.
 */
export interface DiskPlace {
  /** What goes there: 'the backup', 'the new images'. */
  what: string;
  path: string;
  freeGiB: number;
  needGiB: number;
  /** The filesystem's device id (stat().dev): places on one device share their free space. */
  device: number;
}

export type DiskVerdict = { ok: true; detail: string } | { ok: false; error: string; remedy: string };

const gib = (n: number) => (n >= 10 ? n.toFixed(0) : n.toFixed(1));

/** The smallest free space a backup is allowed to start with, when no earlier backup tells its size. */
export const BACKUP_FLOOR_GIB = 1;

/** Bytes of the images the install runs now → GiB the new ones are expected to take (a quarter more). */
export function imagesNeedGiB(sizes: number[]): number {
  return (sizes.reduce((a, b) => a + b, 0) * 1.25) / 1024 ** 3;
}

/** Bytes of the previous backup (if any) → GiB the next one may take (half as much again, at least the floor). */
export function backupNeedGiB(previousBytes: number | undefined): number {
  return Math.max(BACKUP_FLOOR_GIB, ((previousBytes ?? 0) * 1.5) / 1024 ** 3);
}

export function judgeUpgradeDisk(places: DiskPlace[]): DiskVerdict {
  const byDevice = new Map<number, DiskPlace[]>();
  for (const p of places) byDevice.set(p.device, [...(byDevice.get(p.device) ?? []), p]);
  const short: string[] = [];
  const fine: string[] = [];
  for (const group of byDevice.values()) {
    const need = group.reduce((a, p) => a + p.needGiB, 0);
    const free = Math.min(...group.map((p) => p.freeGiB));
    const what = group.map((p) => `${p.what} (~${gib(p.needGiB)} GiB)`).join(' and ');
    const where = [...new Set(group.map((p) => p.path))].join(' and ');
    if (free < need)
      short.push(
        `${gib(free)} GiB free at ${where}, ${what} need${group.length === 1 ? 's' : ''} ~${gib(need)} GiB`,
      );
    else fine.push(`${gib(free)} GiB free at ${where} for ${what}`);
  }
  if (short.length === 0) return { ok: true, detail: fine.join('; ') };
  return {
    ok: false,
    error: `Not enough disk for the upgrade: ${short.join('; ')}. Nothing was changed.`,
    remedy:
      'Free space (docker image prune -a removes images no container uses; move old backups elsewhere), then run the upgrade again. --no-backup skips the backup (not recommended).',
  };
}
