import type { DumpSpec } from './platform.js';

/**
 * The dump of an official postgres image's database, for `BackupSpec.dump`: pg_dump's custom format on stdout,
 * and pg_restore reading it on stdin (dropping what the dump holds first, in one transaction). Both run inside
 * the container as the image's own POSTGRES_USER over the trusted local socket, so no password is needed and
 * none appears in argv; the script is fixed and holds nothing from the user. The trial restore of `wizard backup
 * verify` runs the same image with trusted local connections and no network, and counts the tables it got.
 */
export function postgresBackup(service: string, stop: string[]): DumpSpec {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell in the container expands it
  const who = '-U "$POSTGRES_USER" -d "${POSTGRES_DB:-$POSTGRES_USER}"';
  return {
    service,
    command: ['sh', '-c', `exec pg_dump --format=custom --no-owner ${who}`],
    file: 'postgres.dump',
    restore: ['sh', '-c', `exec pg_restore --clean --if-exists --no-owner --single-transaction ${who}`],
    stop,
    scratch: {
      env: { POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_USER: 'verify', POSTGRES_DB: 'verify' },
      ready: ['pg_isready', '-U', 'verify', '-d', 'verify'],
      check: [
        'psql',
        '-X',
        '-U',
        'verify',
        '-d',
        'verify',
        '-tAc',
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
      ],
      counted: 'table',
    },
  };
}
