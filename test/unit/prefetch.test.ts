import { describe, expect, it } from 'vitest';
import { ImagePrefetch } from '../../src/commands/install/prefetch.js';
import type { Platform } from '../../src/core/platform.js';
import { findPlatform } from '../../steps/index.js';
import { FakeRunner } from '../helpers/fake-runner.js';
import { MemoryLogger } from '../helpers/memory-logger.js';

const rocketchat = findPlatform('rocketchat') as Platform;
const mattermost = findPlatform('mattermost') as Platform;

/** The release's images, pulled in the background while the questions are asked. */
describe('ImagePrefetch', () => {
  it('pulls the images of the release once the platform and release are known, each once', async () => {
    const runner = new FakeRunner([{ match: /^docker pull --quiet / }]);
    const prefetch = new ImagePrefetch({ runner, log: new MemoryLogger() }, true);
    prefetch.known(rocketchat, { version: '7.13.0', extra: {} });
    prefetch.known(rocketchat, { version: '7.13.0', extra: {} });
    await prefetch.settled();
    expect(runner.calls).toEqual([
      'docker pull --quiet registry.rocket.chat/rocketchat/rocket.chat:7.13.0',
      // 7.13.0 runs MongoDB 8.0 (assets/rocketchat/releases.json).
      'docker pull --quiet docker.io/mongodb/mongodb-community-server:8.0-ubi8',
    ]);
  });

  it('follows the answers that pick the image (the Mattermost edition), and a release from the feed', async () => {
    const runner = new FakeRunner([{ match: /^docker pull --quiet / }]);
    const prefetch = new ImagePrefetch({ runner, log: new MemoryLogger() }, true);
    prefetch.known(mattermost, { version: '11.7.16', extra: { edition: 'enterprise' } });
    await prefetch.settled();
    expect(runner.calls).toEqual([
      'docker pull --quiet mattermost/mattermost-enterprise-edition:11.7.16',
      'docker pull --quiet postgres:16-alpine',
    ]);
  });

  it('pulls nothing under --offline or --dry-run', async () => {
    const runner = new FakeRunner([]);
    const prefetch = new ImagePrefetch({ runner, log: new MemoryLogger() }, false);
    prefetch.known(rocketchat, { version: '8.0.1', extra: {} });
    await prefetch.settled();
    expect(runner.calls).toEqual([]);
  });

  it('stops its pulls with the install, and never fails it', async () => {
    let signal: AbortSignal | undefined;
    const runner = {
      calls: [] as string[],
      run(_cmd: unknown, opts?: { signal?: AbortSignal }) {
        signal = opts?.signal;
        return new Promise<never>((_res, reject) =>
          opts?.signal?.addEventListener('abort', () => reject(new Error('cancelled'))),
        );
      },
    };
    const log = new MemoryLogger();
    const prefetch = new ImagePrefetch({ runner: runner as never, log }, true);
    prefetch.known(rocketchat, { version: '8.0.1', extra: {} });
    prefetch.stop();
    await prefetch.settled();
    expect(signal?.aborted).toBe(true);
    expect(log.lines).toContain('INFO prefetch: registry.rocket.chat/rocketchat/rocket.chat:8.0.1: stopped');
    prefetch.known(rocketchat, { version: '7.13.0', extra: {} });
    expect(prefetch.images).toHaveLength(2);
  });
});
