// Stand-in for pg_dump and pg_restore (argv[2] says which), enough for `wizard upgrade` and `wizard restore`:
// pg_dump [-Fc|--format=custom] [--no-owner] -U USER -d DB writes the database to stdout (a "PGDMP" line, then
// its tables as JSON: the custom format's magic, not its layout); pg_restore [--clean] [--if-exists]
// [--single-transaction] [--no-owner] -U USER -d DB reads such a dump on stdin (or from a file argument) and
// replaces the database's tables with it. Both connect like psql (the local socket, trusted inside the container).
import fs from 'node:fs';
import os from 'node:os';
import { connect } from '../lib/pg.mjs';
import { parseOptions, target } from './options.mjs';

const [tool, ...argv] = process.argv.slice(2);
const aliases = { h: 'host', p: 'port', U: 'username', d: 'dbname', F: 'format', f: 'file', c: 'clean', O: 'no-owner', '1': 'single-transaction' };
const { opts, positional } = parseOptions(argv, ['host', 'port', 'username', 'dbname', 'format', 'file'], aliases);
const user = opts.username ?? process.env.PGUSER ?? os.userInfo().username;
const database = opts.dbname ?? (tool === 'pg_dump' ? positional[0] : undefined) ?? process.env.PGDATABASE ?? user;
const where = target(opts);

let client;
try {
  client = await connect({ host: where.host, port: where.port, user, database, password: process.env.PGPASSWORD });
} catch (e) {
  console.error(`${tool}: error: ${e.message}`);
  process.exit(1);
}
try {
  if (tool === 'pg_dump') {
    const { tables } = await client.call('dumpDatabase', {});
    const text = `PGDMP wizard-standin ${database}\n${JSON.stringify(tables)}\n`;
    if (opts.file) fs.writeFileSync(opts.file, text);
    else process.stdout.write(text);
  } else {
    const text = positional[0] ? fs.readFileSync(positional[0], 'utf8') : fs.readFileSync(0, 'utf8');
    const [magic, body] = text.split(/\n(.*)/s);
    if (!magic?.startsWith('PGDMP')) {
      console.error('pg_restore: error: input file does not appear to be a valid archive');
      process.exit(1);
    }
    await client.call('restoreDatabase', { tables: JSON.parse(body) });
  }
} catch (e) {
  console.error(`${tool}: error: ${e.message}`);
  process.exit(1);
}
client.close();
