import type { DoctorCheck, GatherContext, LogPattern } from '../../src/core/doctor.js';
import { parseEnv } from '../../src/core/envfile.js';

/** What Mastodon's doctor reads beyond the shared facts. */
export interface MastodonFacts {
  /** .env.production, or undefined when missing. */
  production?: Record<string, string>;
  productionFile: string;
  /** The streaming API's health endpoint (the web one is the shared readiness). */
  streaming: { ok: boolean; detail: string; url: string };
}

export const STREAMING_HEALTH = '/api/v1/streaming/health';

export async function gather(ctx: GatherContext, streamingPort: number): Promise<Record<string, unknown>> {
  const productionFile = `${ctx.answers.dataDir}/.env.production`;
  const url = `http://127.0.0.1:${streamingPort}${STREAMING_HEALTH}`;
  const [text, streaming] = await Promise.all([
    ctx.readText(productionFile),
    ctx.http(url, 3000).then(
      (r) =>
        r.status === 200 && r.body.trim() === 'OK'
          ? { ok: true, detail: 'OK', url }
          : { ok: false, detail: `HTTP ${r.status}`, url },
      (e: Error) => ({ ok: false, detail: e.message, url }),
    ),
  ]);
  const facts: MastodonFacts = {
    productionFile: `${ctx.dataDir}/.env.production`,
    streaming,
    ...(text === undefined ? {} : { production: { ...parseEnv(text).values } }),
  };
  return { mastodon: facts };
}

const mine = (extra: Record<string, unknown> | undefined) => extra?.mastodon as MastodonFacts | undefined;

/** Mastodon failures recognised in its containers' logs, each with its fix. */
export const logPatterns: LogPattern[] = [
  {
    id: 'mastodon.encryption-keys',
    title: 'ActiveRecord encryption keys missing',
    // config/initializers/active_record_encryption.rb (Mastodon 4.3+) refuses to boot without them.
    match: /Mastodon now requires that these variables are set|ACTIVE_RECORD_ENCRYPTION_\w+ is not set/,
    severity: 'fail',
    // Old lines stay in the log after a fix: they count only while the install does not answer.
    transient: true,
    remedy:
      'Run wizard install again: it adds the missing ACTIVE_RECORD_ENCRYPTION_* keys to .env.production and keeps every existing secret (never generate new ones over existing values: encrypted data would be lost).',
  },
  {
    id: 'mastodon.pg-data-dir',
    title: 'PostgreSQL rejects its data folder',
    match: /data directory ".*" has (wrong ownership|invalid permissions)/,
    severity: 'fail',
    // Old lines stay in the log after a fix: they count only while the install does not answer.
    transient: true,
    remedy:
      'The folder must belong to the postgres user of the image (uid 70) at mode 0700: chown -R 70:70 postgres14 && chmod 700 postgres14 in the install folder, then docker compose up -d db',
  },
];

export const checks: DoctorCheck[] = [
  {
    id: 'mastodon.local-domain',
    title: 'LOCAL_DOMAIN',
    run(f) {
      const m = mine(f.extra);
      if (!m) return undefined;
      if (!m.production)
        return {
          id: 'mastodon.local-domain',
          severity: 'fail',
          title: 'LOCAL_DOMAIN',
          evidence: `${m.productionFile} is missing`,
          remedy: 'Run wizard install again: it rewrites missing files with the recorded answers.',
        };
      const actual = m.production.LOCAL_DOMAIN ?? '';
      if (actual === f.domain)
        return { id: 'mastodon.local-domain', severity: 'ok', title: 'LOCAL_DOMAIN', evidence: actual };
      return {
        id: 'mastodon.local-domain',
        severity: 'fail',
        title: 'LOCAL_DOMAIN',
        evidence: `LOCAL_DOMAIN is ${actual || '(unset)'} in ${m.productionFile}, but the install serves ${f.domain}`,
        // Accounts are bound to it: never change it on a server that federates; put back the one it was created with.
        remedy: `Set LOCAL_DOMAIN=${f.domain} in ${m.productionFile} (the domain it was created with: accounts are bound to it), then: cd ${f.dataDir} && docker compose up -d`,
      };
    },
  },
  {
    id: 'mastodon.streaming',
    title: 'Streaming API answers',
    run(f) {
      const s = mine(f.extra)?.streaming;
      if (!s) return undefined;
      if (s.ok)
        return {
          id: 'mastodon.streaming',
          severity: 'ok',
          title: 'Streaming API answers',
          evidence: `${s.url} answers OK`,
        };
      return {
        id: 'mastodon.streaming',
        severity: 'fail',
        title: 'Streaming API answers',
        evidence: `${s.url}: ${s.detail}`,
        remedy: `cd ${f.dataDir} && docker compose up -d streaming; its log: wizard logs ${f.name} streaming`,
        fix: { kind: 'start-containers', description: 'start the streaming container' },
      };
    },
  },
];
