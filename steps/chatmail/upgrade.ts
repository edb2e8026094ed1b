import releaseData from '../../assets/chatmail/releases.json' with { type: 'json' };
import type { UpgradeSpec } from '../../src/core/platform.js';

/**
 * The chatmail relay's upgrade (https://github.com/chatmail/docker: change CHATMAIL_IMAGE, `docker compose up
 * -d`): any newer image tag in one step; the relay sets itself up again on start and is waited for through its
 * container's health check. Its state (mailboxes, DKIM keys, certificates) lives in Docker volumes the new
 * container takes over: there is no database to dump, and the backup holds the .env only.
 */
export const upgrade: UpgradeSpec = {
  rule: { kind: 'any-newer' },
  releaseNotes: releaseData.releaseNotes,
  // The relay's image tags; each release its own image, a new major is not offered.
  feed: {
    source: { kind: 'oci', registry: 'ghcr.io', repository: 'chatmail/docker' },
    series: 'major',
    fields: { image: 'ghcr.io/chatmail/docker:{version}' },
  },
  envFor: (r) => ({
    CHATMAIL_IMAGE: typeof r.image === 'string' ? r.image : `ghcr.io/chatmail/docker:${r.version}`,
  }),
  backupNote:
    "the .env only, no database dump: the relay's mailboxes, DKIM keys and certificates stay in its Docker volumes, which the upgrade keeps as they are.",
};
