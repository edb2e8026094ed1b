import releaseData from '../../assets/chatmail/releases.json' with { type: 'json' };
import type { UpgradeSpec } from '../../src/core/platform.js';
import { backup } from './backup.js';

/**
 * The chatmail relay's upgrade (https://github.com/chatmail/docker: change CHATMAIL_IMAGE, `docker compose up
 * -d`): any newer image tag in one step; the relay sets itself up again on start and is waited for through its
 * container's health check. Its state (mailboxes, DKIM keys, certificates) lives in Docker volumes the new
 * container takes over: there is no database to dump; the backup holds the .env and those volumes.
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
  backup,
  backupNote:
    "no database dump: the .env and the relay's mailboxes and DKIM keys (its volumes, copied while it is stopped); the certificates are fetched again.",
};
