// Connects to Redis as Mastodon's processes do (REDIS_HOST, REDIS_PORT, or REDIS_URL), retrying and logging the
// error each second until it answers PING.
import { sleep } from '../../lib/proc.mjs';
import { command } from '../lib/resp.mjs';

export async function waitForRedis(logError) {
  const env = process.env;
  const url = env.REDIS_URL ? new URL(env.REDIS_URL) : null;
  const host = url?.hostname || env.REDIS_HOST || 'localhost';
  const port = Number(url?.port || env.REDIS_PORT || 6379);
  for (;;) {
    try {
      await command(host, port, ['PING']);
      return `redis://${host}:${port}/0`;
    } catch (e) {
      logError(host, port, e);
      await sleep(1000);
    }
  }
}
