import type { ReleaseFeed } from '../../src/core/release-feed.js';

/**
 * Patch releases of the shipped ESR series (the edition images share their tags); a new ESR series is not offered.
 * Its own module: the env (a feed release's PostgreSQL) and the upgrade read it, and the upgrade's backup reads the env.
 */
export const MATTERMOST_FEED: ReleaseFeed = {
  source: { kind: 'docker-hub', repository: 'mattermost/mattermost-team-edition' },
  series: 'minor',
  // A tag list can't tell an ESR from a monthly feature release.
  unknownNote:
    'Most are monthly feature releases: the wizard moves from one Extended Support Release to the next, and a newer wizard knows the next ESR.',
};
