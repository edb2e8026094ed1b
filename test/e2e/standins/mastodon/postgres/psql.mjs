// Stand-in for psql: connects like psql (-h/-p/-U/-d, the local socket by default, where the image trusts local
// connections), runs -c SQL or the statements on stdin, prints like psql (aligned with a header and "(N rows)",
// or -t tuples only, -A unaligned with | between fields), and exits 1 with psql's "ERROR:" line on an error.
// Only the SQL the server stand-in understands (SELECTs with equality WHEREs) works; see server.mjs.
import os from 'node:os';
import { connect } from '../lib/pg.mjs';
import { parseOptions, target } from './options.mjs';

const aliases = {
  h: 'host',
  p: 'port',
  U: 'username',
  d: 'dbname',
  c: 'command',
  t: 'tuples-only',
  A: 'no-align',
  X: 'no-psqlrc',
  q: 'quiet',
  v: 'set',
  F: 'field-separator',
};
const { opts, positional } = parseOptions(
  process.argv.slice(2),
  ['host', 'port', 'username', 'dbname', 'command', 'set', 'field-separator'],
  aliases,
);
const user = opts.username ?? positional[1] ?? process.env.PGUSER ?? os.userInfo().username;
const database = opts.dbname ?? positional[0] ?? process.env.PGDATABASE ?? user;
const where = target(opts);

let client;
try {
  client = await connect({
    host: where.host,
    port: where.port,
    user,
    database,
    password: process.env.PGPASSWORD,
  });
} catch (e) {
  const message = where.socket
    ? e.message
        .replace(
          /^connection to server at "127\.0\.0\.1" \(127\.0\.0\.1\), port (\d+) failed/,
          'connection to server on socket "/var/run/postgresql/.s.PGSQL.$1" failed',
        )
        .replace(
          'Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?',
          'No such file or directory\n\tIs the server running locally and accepting connections on that socket?',
        )
    : e.message;
  console.error(`psql: error: ${message}`);
  process.exit(2);
}

function print({ columns, rows }) {
  const cell = (v) => (v === null ? '' : v === true ? 't' : v === false ? 'f' : String(v));
  if (opts['no-align']) {
    const sep = opts['field-separator'] ?? '|';
    if (!opts['tuples-only']) console.log(columns.join(sep));
    for (const r of rows) console.log(r.map(cell).join(sep));
    if (!opts['tuples-only']) console.log(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
    return;
  }
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => cell(r[i]).length)));
  if (!opts['tuples-only']) {
    console.log(` ${columns.map((c, i) => c.padEnd(widths[i])).join(' | ')} `);
    console.log(widths.map((w) => '-'.repeat(w + 2)).join('+'));
  }
  for (const r of rows)
    console.log(
      ` ${r.map((v, i) => (typeof v === 'number' ? cell(v).padStart(widths[i]) : cell(v).padEnd(widths[i]))).join(' | ')} `,
    );
  if (!opts['tuples-only']) console.log(`(${rows.length} row${rows.length === 1 ? '' : 's'})\n`);
}

let sql = opts.command;
if (sql === undefined) {
  sql = '';
  for await (const chunk of process.stdin) sql += chunk;
}
let failed = false;
for (const statement of sql
  .split(';')
  .map((s) => s.trim())
  .filter(Boolean)) {
  try {
    print(await client.call('query', { sql: statement }));
  } catch (e) {
    console.error(e.message);
    failed = true;
    if (opts.command !== undefined) break;
  }
}
client.close();
process.exit(failed ? 1 : 0);
