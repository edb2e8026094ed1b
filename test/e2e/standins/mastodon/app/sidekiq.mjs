// Stand-in for Mastodon's sidekiq process (`bundle exec sidekiq`): boots like the application (see boot.mjs),
// waits for Redis logging Sidekiq's connection error, then idles until SIGTERM.
import { exitOnSignals } from '../../lib/proc.mjs';
import { boot, VERSION } from './boot.mjs';
import { waitForRedis } from './redis-wait.mjs';

boot();
exitOnSignals(() => console.log('INFO: Shutting down'));
const url = await waitForRedis((host, port, e) =>
  console.log(
    `ERROR: Error connecting to Redis on ${host}:${port} (${e.code === 'ECONNREFUSED' ? 'Errno::ECONNREFUSED' : e.message})`,
  ),
);
console.log(
  `INFO: Booted Rails 8.0.2 application in production environment (Mastodon ${VERSION}, wizard stand-in)`,
);
console.log(
  `INFO: Running in ruby 3.4.4 +YJIT, Sidekiq 7.3.9 connecting to Redis with options {size: 10, pool_name: "internal", url: "${url}"}`,
);
console.log('INFO: Starting processing, hit Ctrl-C to stop');
setInterval(() => {}, 1 << 30);
