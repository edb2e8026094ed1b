import type { BackupSpec } from '../../src/core/platform.js';

/**
 * What a chatmail relay backup holds: its Docker volumes with the mailboxes (/home/vmail) and the DKIM keys
 * (/etc/dkimkeys), and the .env (and docker-compose.override.yaml, if there is one). The certificates volume is
 * left out: the relay gets its certificate again on start. There is no database server; Dovecot and Postfix
 * write the mailboxes while they run, so the relay stops while its volumes are copied.
 */
export const backup: BackupSpec = {
  volumes: [
    { name: 'mail', what: 'mailboxes (/home/vmail)' },
    { name: 'dkim', what: 'DKIM keys (/etc/dkimkeys)' },
  ],
  envFiles: (a) => [`${a.dataDir}/.env`],
  files: (a) => [`${a.dataDir}/docker-compose.override.yaml`],
  downtime: {
    stop: ['chatmail'],
    why: 'the relay stops while its mailboxes and DKIM keys are copied (Dovecot and Postfix write them while they run), then starts again',
  },
  restoreStop: ['chatmail'],
};
