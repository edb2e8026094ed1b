import releaseData from '../../assets/mastodon/releases.json' with { type: 'json' };
import { composeCommand } from '../../src/core/compose.js';
import type { InstallAnswers, Readiness, UpgradeSpec } from '../../src/core/platform.js';
import type { ReleaseFeed } from '../../src/core/release-feed.js';
import { pollUntilReady } from '../../src/engine/tasks.js';
import { backup } from './backup.js';
import { mastodonArgs } from './tasks.js';
import { untilVersion } from './version.js';

/** Published releases (the images are tagged vX.Y.Z with them); a new minor series' PostgreSQL/Redis needs are unknown. */
export const MASTODON_FEED: ReleaseFeed = {
  source: { kind: 'github-releases', repository: 'mastodon/mastodon' },
  series: 'minor',
};

/** The file of image tags Compose reads (MASTODON_VERSION), which an upgrade rewrites. */
export const versionFile = (dataDir: string) => `${dataDir}/.env`;

/** What the upgrade needs from the platform definition. */
interface Endpoints {
  streamingPort: (a: Pick<InstallAnswers, 'extra'>) => number;
  streamingHealth: string;
  judge: Readiness['judge'];
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
    feed: MASTODON_FEED,
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
