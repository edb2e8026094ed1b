import releaseData from '../../assets/mastodon/releases.json' with { type: 'json' };
import { composeCommand } from '../../src/core/compose.js';
import type { InstallContext } from '../../src/core/context.js';
import { WizardError } from '../../src/core/errors.js';
import type { InstallAnswers, Readiness, UpgradeIO, UpgradeSpec } from '../../src/core/platform.js';
import { pollUntilReady } from '../../src/core/tasks.js';
import { backup } from './backup.js';
import { mastodonArgs } from './tasks.js';

/** The file of image tags Compose reads (MASTODON_VERSION), which an upgrade rewrites. */
export const versionFile = (dataDir: string) => `${dataDir}/.env`;

/** What the upgrade needs from the platform definition. */
interface Endpoints {
  streamingPort: (a: Pick<InstallAnswers, 'extra'>) => number;
  streamingHealth: string;
  judge: Readiness['judge'];
}

/** The version /api/v1/instance reports, asked as the proxy asks (Mastodon answers only for its domain over https). */
async function untilVersion(ctx: InstallContext, io: UpgradeIO): Promise<string> {
  const url = `http://127.0.0.1:${ctx.answers.port}/api/v1/instance`;
  const deadline = Date.now() + ctx.readyTimeoutSeconds * 1000;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (io.signal?.aborted) throw io.signal.reason;
    try {
      const res = await ctx.http.request(url, {
        headers: { host: ctx.answers.domain, 'x-forwarded-proto': 'https' },
        timeoutMs: 5000,
        ...(io.signal ? { signal: io.signal } : {}),
      });
      const version =
        res.status === 200
          ? (JSON.parse(res.body) as { version?: string }).version?.split('+')[0]
          : undefined;
      if (version === ctx.answers.version) return version;
      last = version ? `answers with version ${version}` : `HTTP ${res.status}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    io.output(`/api/v1/instance: ${last}`);
    await new Promise((res) => setTimeout(res, Math.min(500, ctx.pollIntervalMs)));
  }
  throw new WizardError(
    `Mastodon did not report version ${ctx.answers.version} at ${url} within ${ctx.readyTimeoutSeconds} s (last: ${last}).`,
  );
}

/**
 * Mastodon's upgrade rules (https://docs.joinmastodon.org/admin/upgrading/ and each release's notes): every
 * minor series in turn, patch releases skippable; the database dumped with pg_dump first; then the documented
 * order: pre-deployment migrations with the new image while the old release still serves, the new containers,
 * the post-deployment migrations, and both health endpoints and /api/v1/instance answering with the new version.
 */
export function mastodonUpgrade(e: Endpoints): UpgradeSpec {
  return {
    rule: { kind: 'minor-by-minor' },
    releaseNotes: releaseData.releaseNotes,
    // Published releases (the images are tagged vX.Y.Z with them); a new minor series' PostgreSQL/Redis needs are unknown: not offered.
    feed: { source: { kind: 'github-releases', repository: 'mastodon/mastodon' }, series: 'minor' },
    envFile: (a) => versionFile(a.dataDir),
    envFor: (r) => ({ MASTODON_VERSION: r.version }),
    // Installs from before the .env layout had the release in docker-compose.yml itself.
    versionKey: 'MASTODON_VERSION',
    backup,
    async apply(ctx, io) {
      const run = async (what: string, args: string[]) => {
        io.output(what);
        await ctx.runner.run(composeCommand(ctx, args), {
          ...(io.signal ? { signal: io.signal } : {}),
          onLine: io.output,
        });
      };
      await run('Pre-deployment migrations...', mastodonArgs.migratePre);
      await run(`Starting Mastodon ${ctx.answers.version}...`, [
        'up',
        '-d',
        '--remove-orphans',
        ...(ctx.answers.offline ? ['--pull', 'never'] : []),
      ]);
      await run('Post-deployment migrations...', mastodonArgs.migratePost);
      const health = (port: number, path: string, service: string) =>
        pollUntilReady(
          ctx,
          { url: () => `http://127.0.0.1:${port}${path}`, judge: () => e.judge, service: () => service },
          io,
        );
      await health(ctx.answers.port, '/health', 'web');
      await health(e.streamingPort(ctx.answers), e.streamingHealth, 'streaming');
      ctx.readyVersion = await untilVersion(ctx, io);
    },
    // /health reports no version: /api/v1/instance says which release answers. A run killed after the start may
    // not have finished the post-deployment migrations: they run again (they are idempotent) before it counts.
    async probe(ctx, io) {
      const version = await untilVersion(ctx, io);
      io.output('Post-deployment migrations...');
      await ctx.runner.run(composeCommand(ctx, mastodonArgs.migratePost), {
        ...(io.signal ? { signal: io.signal } : {}),
        onLine: io.output,
      });
      return version;
    },
  };
}
