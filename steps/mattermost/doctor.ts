import type { DoctorCheck, LogPattern } from '../../src/core/doctor.js';
import { MATTERMOST_UID, siteUrl } from './env.js';

const OWNER = `${MATTERMOST_UID}:${MATTERMOST_UID}`;

/** Mattermost failures recognised in its containers' logs, each with its fix. */
export const logPatterns: LogPattern[] = [
  {
    id: 'mattermost.config-permission',
    title: "Mattermost can't write config.json",
    // The server persists config.json on every start; a folder not owned by its user stops it there.
    match: /failed to load configuration: .*config\.json: permission denied/,
    severity: 'fail',
    // Old lines stay in the log after a fix: they count only while the install does not answer.
    transient: true,
    remedy: `The volume folders must belong to the container's user: chown -R -P --no-dereference ${OWNER} volumes/app/mattermost/config in the install folder (and any other volume folder doctor names), then docker compose restart mattermost (wizard doctor mattermost --fix does both)`,
  },
];

/** MM_SERVICESETTINGS_SITEURL must be the address users open, or logins, links and plugins break. */
export const checks: DoctorCheck[] = [
  {
    id: 'mattermost.site-url',
    title: 'MM_SERVICESETTINGS_SITEURL',
    run(f) {
      if (!f.env) return undefined;
      const expected = siteUrl({
        domain: f.domain,
        tls: f.tls as 'none',
        port: Number(f.env.APP_PORT ?? 8065),
      });
      const actual = f.env.MM_SERVICESETTINGS_SITEURL ?? '';
      if (actual.replace(/\/$/, '') === expected)
        return {
          id: 'mattermost.site-url',
          severity: 'ok',
          title: 'MM_SERVICESETTINGS_SITEURL',
          evidence: actual,
        };
      return {
        id: 'mattermost.site-url',
        severity: 'fail',
        title: 'MM_SERVICESETTINGS_SITEURL',
        evidence: `MM_SERVICESETTINGS_SITEURL is ${actual || '(unset)'} in ${f.envFile}, but the install serves ${expected}`,
        remedy: `Set MM_SERVICESETTINGS_SITEURL=${expected} in ${f.envFile}, then: cd ${f.dataDir} && docker compose up -d (or run wizard install again)`,
      };
    },
  },
];
