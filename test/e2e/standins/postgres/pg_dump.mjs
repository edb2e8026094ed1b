// Stand-in for pg_dump and pg_restore (argv[2] says which), enough for `wizard upgrade` and `wizard restore`:
// pg_dump [--format=custom] [--no-owner] -U USER -d DB writes the database to stdout (a "PGDMP" line, then its
// tables as JSON: the custom format's magic, not its layout); pg_restore [--clean] [--if-exists]
// [--single-transaction] [--no-owner] -U USER -d DB reads such a dump on stdin (or a file argument) and
// replaces the database's tables with it. Both use the Unix socket by default, trusted like psql's.
import fs from 'node:fs';
import { parseFlags } from '../lib/proc.mjs';
import { PgClient, SOCKET_DIR, socketPath } from './pg.mjs';

const [tool, ...argv] = process.argv.slice(2);
const { opts, positional } = parseFlags(argv, [
  'clean',
  'c',
  'if-exists',
  'no-owner',
  'O',
  'single-transaction',
  '1',
  'w',
  'no-password',
]);
const host = String(opts.h ?? opts.host ?? process.env.PGHOST ?? SOCKET_DIR);
const port = Number(opts.p ?? opts.port ?? process.env.PGPORT ?? 5432);
const user = String(opts.U ?? opts.username ?? process.env.PGUSER ?? 'root');
const database = String(
  opts.d ?? opts.dbname ?? (tool === 'pg_dump' ? positional[0] : undefined) ?? process.env.PGDATABASE ?? user,
);
const local = host.startsWith('/');

let client;
try {
  client = await PgClient.connect(local ? { path: socketPath(host, port) } : { host, port });
  await client.request('startup', { user, database, password: process.env.PGPASSWORD ?? '' });
  if (tool === 'pg_dump') {
    const { tables } = await client.request('dumpDatabase', {});
    const text = `PGDMP wizard-standin ${database}\n${JSON.stringify(tables)}\n`;
    if (opts.f || opts.file) fs.writeFileSync(String(opts.f ?? opts.file), text);
    else process.stdout.write(text);
  } else {
    const text = positional[0] ? fs.readFileSync(positional[0], 'utf8') : fs.readFileSync(0, 'utf8');
    const [magic, body] = text.split(/\n(.*)/s);
    if (!magic?.startsWith('PGDMP')) {
      console.error('pg_restore: error: input file does not appear to be a valid archive');
      process.exit(1);
    }
    await client.request('restoreDatabase', { tables: JSON.parse(body) });
  }
} catch (err) {
  console.error(`${tool}: error: ${err.severity ? `${err.severity}:  ` : ''}${err.message}`);
  process.exit(1);
}
client.close();
