import { describe, expect, it } from 'vitest';
import type { Release } from '../../src/core/platform.js';
import { nextAndNewest, upgradePath } from '../../src/core/upgrade.js';

const rel = (...v: string[]): Release[] => v.map((version) => ({ version }));

describe('upgrade paths', () => {
  const rc = rel('6.13.1', '7.0.0', '7.12.0', '7.13.0', '8.0.0', '8.0.1', '9.9.9-broken');
  it.each([
    ['7.13.0', '8.0.1', ['8.0.1']],
    ['7.12.0', '8.0.1', ['7.13.0', '8.0.1']],
    ['6.13.1', '8.0.1', ['7.13.0', '8.0.1']],
    ['8.0.0', '8.0.1', ['8.0.1']],
    ['8.0.1', '8.0.1', []],
  ])('Rocket.Chat (no major skipped): %s -> %s walks %j', (from, to, steps) => {
    expect(upgradePath({ kind: 'major-by-major' }, from, to, rc)).toEqual({ ok: true, steps });
  });

  it('refuses a downgrade and an unknown release, listing what is allowed', () => {
    expect(upgradePath({ kind: 'major-by-major' }, '8.0.1', '7.13.0', rc)).toEqual({
      ok: false,
      reason: '7.13.0 is older than the running 8.0.1: downgrades are not supported.',
      allowed: [],
    });
    const r = upgradePath({ kind: 'major-by-major' }, '7.13.0', '8.1.0', rc);
    expect(r).toEqual({ ok: false, reason: '8.1.0 is not a known release.', allowed: ['8.0.0', '8.0.1'] });
  });

  it('Mastodon: every minor series in turn, patches skippable', () => {
    const m = rel('4.2.10', '4.2.11', '4.3.0', '4.3.4', '4.4.0', '4.4.2', '4.5.0');
    expect(upgradePath({ kind: 'minor-by-minor' }, '4.2.10', '4.5.0', m)).toEqual({
      ok: true,
      steps: ['4.3.4', '4.4.2', '4.5.0'],
    });
    expect(upgradePath({ kind: 'minor-by-minor' }, '4.3.0', '4.3.4', m)).toEqual({
      ok: true,
      steps: ['4.3.4'],
    });
  });

  it('Mattermost: one ESR to the next', () => {
    const esr = rel('9.11.0', '10.5.0', '10.11.0');
    expect(upgradePath({ kind: 'release-by-release' }, '9.11.0', '10.11.0', esr)).toEqual({
      ok: true,
      steps: ['10.5.0', '10.11.0'],
    });
    // With a feed's patch releases: one stop per ESR series, at its newest patch.
    const patched = rel('9.11.5', '9.11.6', '10.5.1', '10.5.2', '10.11.23', '10.11.24', '11.7.15', '11.7.16');
    expect(upgradePath({ kind: 'release-by-release' }, '9.11.5', '11.7.15', patched)).toEqual({
      ok: true,
      steps: ['10.5.2', '10.11.24', '11.7.15'],
    });
    expect(upgradePath({ kind: 'release-by-release' }, '9.11.5', '9.11.6', patched)).toEqual({
      ok: true,
      steps: ['9.11.6'],
    });
  });

  it('chatmail: any newer tag in one step', () => {
    expect(upgradePath({ kind: 'any-newer' }, '1.0.0', '1.3.0', rel('1.0.0', '1.1.0', '1.3.0'))).toEqual({
      ok: true,
      steps: ['1.3.0'],
    });
  });

  it('next step and newest for --check', () => {
    expect(nextAndNewest({ kind: 'major-by-major' }, '7.12.0', rc)).toEqual({
      next: '7.13.0',
      newest: '8.0.1',
    });
    expect(nextAndNewest({ kind: 'major-by-major' }, '8.0.1', rc)).toEqual({});
  });
});
