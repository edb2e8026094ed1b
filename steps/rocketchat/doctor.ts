import type { DoctorCheck, LogPattern } from '../../src/core/doctor.js';
import { rootUrl } from './url.js';

/** Rocket.Chat failures recognised in its containers' logs, each with its fix. */
export const logPatterns: LogPattern[] = [
  {
    id: 'rocketchat.mongo-no-primary',
    title: 'MongoDB replica set has no primary',
    match:
      /MongoServerSelectionError|ReplicaSetNoPrimary|NotYetInitialized|no replset config has been received/,
    severity: 'fail',
    transient: true,
    remedy:
      'The replica set is not initiated or MongoDB is down: docker compose up -d mongodb mongodb-init-container, then wizard logs rocketchat mongodb-init-container',
  },
  {
    id: 'rocketchat.mongo-refused',
    title: "Rocket.Chat can't reach MongoDB",
    // The first two are upstream's compose wait loop; the others the server's own errors.
    match:
      /MongoDB not ready yet|Giving up waiting for MongoDB|MongoNetworkError: connect ECONNREFUSED|connect ECONNREFUSED [\d.]+:27017/,
    severity: 'fail',
    transient: true,
    remedy:
      'MongoDB is not running: docker compose up -d mongodb, then read its log: wizard logs rocketchat mongodb',
  },
];

/** ROOT_URL must be the address users open, or logins, uploads and OAuth break. */
export const checks: DoctorCheck[] = [
  {
    id: 'rocketchat.root-url',
    title: 'ROOT_URL',
    run(f) {
      if (!f.env) return undefined;
      const expected = rootUrl({
        domain: f.domain,
        tls: f.tls as 'none',
        port: Number(f.env.HOST_PORT ?? 3000),
      });
      const actual = f.env.ROOT_URL ?? '';
      if (actual.replace(/\/$/, '') === expected)
        return { id: 'rocketchat.root-url', severity: 'ok', title: 'ROOT_URL', evidence: actual };
      return {
        id: 'rocketchat.root-url',
        severity: 'fail',
        title: 'ROOT_URL',
        evidence: `ROOT_URL is ${actual || '(unset)'} in ${f.envFile}, but the install serves ${expected}`,
        remedy: `Set ROOT_URL=${expected} in ${f.envFile}, then: cd ${f.dataDir} && docker compose up -d (or run wizard install again)`,
      };
    },
  },
];
