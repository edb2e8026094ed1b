import { describe, expect, it } from 'vitest';
import { unknownNewerText } from '../../src/core/release-feed.js';
import { UpgradePlan } from '../../src/ui/UpgradePlan.js';
import { render } from '../helpers/render.js';

describe('upgrade plan', () => {
  const props = {
    title: 'Mastodon',
    name: 'mastodon',
    current: '4.3.17',
    steps: ['4.4.9', '4.5.12'],
    releaseNotes: 'https://github.com/mastodon/mastodon/releases',
    backupDir: '/opt/mastodon/backups',
    offline: false,
    dryRun: false,
  };

  it('shows current, the path to the target and where the release list came from', () => {
    const r = render(<UpgradePlan {...props} releaseList="api.github.com (fetched now)" />);
    expect(r.frame()).toContain('4.3.17 → 4.4.9 → 4.5.12  (one step at a time');
    expect(r.frame()).toContain('Release list: api.github.com (fetched now)');
    expect(r.frame()).not.toContain('Newer than this wizard knows');
  });

  it('names the releases newer than this wizard knows, with self-update as the way to them', () => {
    const r = render(
      <UpgradePlan
        {...props}
        releaseList="api.github.com as fetched at 2026-11-22T05:00:00.000Z (api.github.com: timed out after 4 s)"
        unknown={unknownNewerText(['4.6.0'])}
      />,
    );
    // ink-testing-library wraps at 100 columns: compare the words.
    const text = r.frame().replace(/\s+/g, ' ');
    expect(text).toContain(
      'Release list: api.github.com as fetched at 2026-11-22T05:00:00.000Z (api.github.com: timed out after 4 s)',
    );
    expect(text).toContain(
      'Newer than this wizard knows: 4.6.0; run `wizard self-update` to be offered them.',
    );
  });

  it("keeps a long list short: the newest four and how many more, then the feed's note", () => {
    expect(
      unknownNewerText(
        ['11.8.0', '11.9.0', '11.10.0', '11.11.0', '11.12.0', '12.0.0'],
        'Most are feature releases.',
      ),
    ).toBe(
      'Newer than this wizard knows: 11.10.0, 11.11.0, 11.12.0, 12.0.0 and 2 more; run `wizard self-update` to be offered them. Most are feature releases.',
    );
    expect(unknownNewerText([])).toBeUndefined();
  });
});
