// Stand-in for pg_isready: asks the server (the Unix socket in /var/run/postgresql unless -h names a host) whether
// it accepts connections. Prints and exits like the real one: "HOST:PORT - accepting connections" (0),
// "- rejecting connections" (1, e.g. while starting), "- no response" (2); -q prints nothing.
import { parseFlags } from '../lib/proc.mjs';
import { PgClient, SOCKET_DIR, socketPath } from './pg.mjs';

const { opts } = parseFlags(process.argv.slice(2), ['q', 'quiet']);
const host = String(opts.h ?? opts.host ?? process.env.PGHOST ?? SOCKET_DIR);
const port = Number(opts.p ?? opts.port ?? process.env.PGPORT ?? 5432);
const timeoutMs = Number(opts.t ?? opts.timeout ?? 3) * 1000;
const quiet = Boolean(opts.q || opts.quiet);
const target = host.startsWith('/') ? { path: socketPath(host, port) } : { host, port };

let status = 'no response';
let code = 2;
try {
  const client = await PgClient.connect(target, timeoutMs);
  const reply = await client.request('ping');
  client.close();
  [status, code] = reply.state === 'accepting' ? ['accepting connections', 0] : ['rejecting connections', 1];
} catch {}
if (!quiet) console.log(`${host}:${port} - ${status}`);
process.exit(code);
