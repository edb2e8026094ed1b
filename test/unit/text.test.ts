import { describe, expect, it } from 'vitest';
import { closest, editDistance, wrapText } from '../../src/core/text.js';

describe('text', () => {
  it('wraps at the width given, each continuation under the text of its line', () => {
    expect(wrapText('  2    bad input: a flag, answer or answers file, or a missing answer', 40)).toBe(
      '  2    bad input: a flag, answer or\n       answers file, or a missing answer',
    );
    expect(wrapText('  → Pass them as flags, env vars or keys in --answers FILE', 30)).toBe(
      '  → Pass them as flags, env\n    vars or keys in --answers\n    FILE',
    );
    expect(wrapText('short\n\nEnvironment: every install flag is also WIZARD_<NAME>', 30)).toBe(
      'short\n\nEnvironment: every install\nflag is also WIZARD_<NAME>',
    );
    // A bullet's continuation goes under its text (uninstall's list of what goes and what stays).
    expect(wrapText('  • kept: its data folder /opt/rocketchat, its volumes and its backups', 44)).toBe(
      '  • kept: its data folder /opt/rocketchat,\n    its volumes and its backups',
    );
    // A word longer than the width stays whole.
    expect(wrapText('see https://docs.docker.com/engine/install/ now', 20)).toBe(
      'see\nhttps://docs.docker.com/engine/install/\nnow',
    );
  });

  it('finds the command a typo is closest to, and nothing for a word far from all', () => {
    const commands = ['install', 'status', 'doctor', 'upgrade', 'restore', 'self-update', 'logs'];
    expect(closest('stauts', commands)).toBe('status');
    expect(closest('upgarde', commands)).toBe('upgrade');
    expect(closest('Docter', commands)).toBe('doctor');
    expect(closest('log', commands)).toBe('logs');
    expect(closest('xyzzy', commands)).toBeUndefined();
    expect(editDistance('stauts', 'status')).toBe(1);
  });
});
