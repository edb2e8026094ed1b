// Stand-in for pg_isready: exit 0 "accepting connections", 1 "rejecting connections" (starting up),
// 2 "no response", 3 "no attempt" (bad options), with the real tool's output.
import { connectRaw } from '../lib/pg.mjs';
import { parseOptions, target } from './options.mjs';

const aliases = { h: 'host', p: 'port', U: 'username', d: 'dbname', t: 'timeout', q: 'quiet' };
const { opts } = parseOptions(
  process.argv.slice(2),
  ['host', 'port', 'username', 'dbname', 'timeout'],
  aliases,
);
const where = target(opts);
const say = (text, code) => {
  if (!opts.quiet) console.log(`${where.label} - ${text}`);
  process.exit(code);
};
try {
  const { client } = await connectRaw(where.host, where.port, Number(opts.timeout ?? 3) * 1000);
  const { accepting } = await client.call('ping');
  client.close();
  say(accepting ? 'accepting connections' : 'rejecting connections', accepting ? 0 : 1);
} catch {
  say('no response', 2);
}
