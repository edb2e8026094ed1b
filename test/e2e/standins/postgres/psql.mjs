// Stand-in for psql, enough for checks and health checks: -c SQL (or statements on stdin), -U, -d (or the first
// argument), -h, -p, -t (tuples only), -A (unaligned), -X, -q, -v (ignored). Over the Unix socket no password is
// needed (the image's "local all all trust"); over TCP it takes PGPASSWORD. The SQL it understands is in sql.mjs.
// Output and exit codes follow psql: aligned tables with "(N rows)", "ERROR:  ..." and exit 1 on an SQL error,
// "psql: error: ..." and exit 2 when it can not connect.
import { parseFlags } from '../lib/proc.mjs';
import { PgClient, PgConnectError, SOCKET_DIR, socketPath } from './pg.mjs';

// Bundled short options, as in `psql -tAc 'SELECT 1'`.
const argv = process.argv.slice(2).flatMap((a) => {
  const m = /^-([tAXqw]+)([cUdhp])?$/.exec(a);
  return m ? [...m[1], ...(m[2] ?? '')].map((c) => `-${c}`) : [a];
});
const { opts, positional } = parseFlags(argv, [
  't',
  'A',
  'X',
  'q',
  'tuples-only',
  'no-align',
  'no-psqlrc',
  'quiet',
  'w',
  'no-password',
]);
const host = String(opts.h ?? opts.host ?? process.env.PGHOST ?? SOCKET_DIR);
const port = Number(opts.p ?? opts.port ?? process.env.PGPORT ?? 5432);
const user = String(opts.U ?? opts.username ?? process.env.PGUSER ?? 'root');
const database = String(opts.d ?? opts.dbname ?? positional[0] ?? process.env.PGDATABASE ?? user);
const tuplesOnly = Boolean(opts.t || opts['tuples-only']);
const unaligned = Boolean(opts.A || opts['no-align']);
const local = host.startsWith('/');
const where = local ? `socket "${socketPath(host, port)}"` : `"${host}" (port ${port})`;

async function readStdin() {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

function format({ columns, rows }) {
  const cell = (v) =>
    v === null || v === undefined ? '' : typeof v === 'boolean' ? (v ? 't' : 'f') : String(v);
  if (unaligned) {
    const lines = rows.map((r) => r.map(cell).join('|'));
    return (
      tuplesOnly
        ? lines
        : [columns.join('|'), ...lines, `(${rows.length} row${rows.length === 1 ? '' : 's'})`]
    ).join('\n');
  }
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => cell(r[i]).length)));
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const pad = (v, i) => ` ${numeric[i] ? cell(v).padStart(widths[i]) : cell(v).padEnd(widths[i])} `;
  const body = rows.map((r) => r.map(pad).join('|').replace(/\s+$/, ''));
  if (tuplesOnly) return body.join('\n');
  const header = columns
    .map((c, i) => ` ${c.padStart(Math.floor((widths[i] + c.length) / 2)).padEnd(widths[i])} `)
    .join('|');
  const rule = widths.map((w) => '-'.repeat(w + 2)).join('+');
  return [header, rule, ...body, `(${rows.length} row${rows.length === 1 ? '' : 's'})`, ''].join('\n');
}

let client;
try {
  client = await PgClient.connect(local ? { path: socketPath(host, port) } : { host, port });
  await client.request('startup', { user, database, password: process.env.PGPASSWORD ?? '' });
} catch (err) {
  const why =
    err instanceof PgConnectError
      ? `${err.message.replace(/^dial \S+ \S+: connect: /, '')}\n\tIs the server running${local ? ' locally and accepting connections on that socket' : ' on that host and accepting TCP/IP connections'}?`
      : `${err.severity}:  ${err.message}`;
  console.error(`psql: error: connection to server ${local ? 'on' : 'at'} ${where} failed: ${why}`);
  process.exit(2);
}

const text = typeof opts.c === 'string' ? opts.c : await readStdin();
let failed = false;
for (const statement of text
  .split(';')
  .map((s) => s.trim())
  .filter(Boolean)) {
  try {
    const result = await client.request('sql', { text: statement });
    if (result.columns.length > 0) console.log(format(result));
  } catch (err) {
    console.error(`${err.severity ?? 'ERROR'}:  ${err.message}`);
    failed = true;
    break;
  }
}
client.close();
process.exit(failed ? 1 : 0);
