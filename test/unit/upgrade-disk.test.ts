import { describe, expect, it } from 'vitest';
import {
  BACKUP_FLOOR_GIB,
  backupNeedGiB,
  imagesNeedGiB,
  judgeUpgradeDisk,
} from '../../src/core/upgrade-disk.js';

const GiB = 1024 ** 3;

describe('upgrade disk preflight', () => {
  it('estimates the new images by the running ones, and the backup by the previous one (with a floor)', () => {
    expect(imagesNeedGiB([2 * GiB, 2 * GiB])).toBeCloseTo(5);
    expect(imagesNeedGiB([])).toBe(0);
    expect(backupNeedGiB(undefined)).toBe(BACKUP_FLOOR_GIB);
    expect(backupNeedGiB(0.1 * GiB)).toBe(BACKUP_FLOOR_GIB);
    expect(backupNeedGiB(4 * GiB)).toBeCloseTo(6);
  });

  it('passes when each filesystem holds what goes there', () => {
    const v = judgeUpgradeDisk([
      { what: 'the new images', path: '/var/lib/docker', freeGiB: 40, needGiB: 2.5, device: 1 },
      { what: 'the backup', path: '/opt/mattermost/backups', freeGiB: 12, needGiB: 1, device: 2 },
    ]);
    expect(v).toEqual({
      ok: true,
      detail:
        '40 GiB free at /var/lib/docker for the new images (~2.5 GiB); 12 GiB free at /opt/mattermost/backups for the backup (~1.0 GiB)',
    });
  });

  it('adds the needs up when both land on one filesystem, and refuses with a remedy when it is short', () => {
    const v = judgeUpgradeDisk([
      { what: 'the new images', path: '/var/lib/docker', freeGiB: 3, needGiB: 2.5, device: 7 },
      { what: 'the backup', path: '/opt/rocketchat/backups', freeGiB: 3, needGiB: 1.5, device: 7 },
    ]);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.error).toBe(
      'Not enough disk for the upgrade: 3.0 GiB free at /var/lib/docker and /opt/rocketchat/backups, the new images (~2.5 GiB) and the backup (~1.5 GiB) need ~4.0 GiB. Nothing was changed.',
    );
    expect(v.remedy).toContain('docker image prune -a');
  });

  it('names only the place that is short', () => {
    const v = judgeUpgradeDisk([
      { what: 'the new images', path: '/var/lib/docker', freeGiB: 50, needGiB: 2, device: 1 },
      { what: 'the backup', path: '/mnt/small/backups', freeGiB: 0.2, needGiB: 1, device: 2 },
    ]);
    expect(v).toMatchObject({
      ok: false,
      error:
        'Not enough disk for the upgrade: 0.2 GiB free at /mnt/small/backups, the backup (~1.0 GiB) needs ~1.0 GiB. Nothing was changed.',
    });
  });
});
