import releaseData from '../../assets/mattermost/releases.json' with { type: 'json' };
import type { UpgradeSpec } from '../../src/core/platform.js';
import { backup } from './backup.js';
import { MATTERMOST_FEED } from './feed.js';

/**
 * Mattermost's upgrade rules (https://docs.mattermost.com/upgrade/upgrading-mattermost-server.html): from one
 * Extended Support Release to the next, the listed releases being the ESRs; only MATTERMOST_IMAGE_TAG changes,
 * never the PostgreSQL tag or its credentials (a new major does not start on the old data folder); the server
 * migrates its database itself on start, so `docker compose up -d` is the whole switch. The database is
 * dumped with pg_dump first.
 */
export const upgrade: UpgradeSpec = {
  rule: { kind: 'release-by-release' },
  releaseNotes: releaseData.releaseNotes,
  feed: MATTERMOST_FEED,
  envFor: (r) => ({ MATTERMOST_IMAGE_TAG: r.version }),
  versionKey: 'MATTERMOST_IMAGE_TAG',
  backup,
};
