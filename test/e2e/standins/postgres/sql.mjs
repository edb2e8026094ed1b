// The little SQL the postgres stand-in answers for psql:
//   SELECT <literal | version() | current_database() | current_user>
//   SELECT <* | count(*) | col, ...> FROM <table | pg_tables> [WHERE col (= | <> | LIKE | ILIKE) 'text' | number [AND ...]]
//                                               [ORDER BY col [ASC|DESC]] [LIMIT n]
// Errors carry PostgreSQL's messages and SQLSTATE codes.

const fail = (message, code = '42601') => {
  throw Object.assign(new Error(message), { code });
};

function literal(text) {
  const t = text.trim();
  if (/^'.*'$/s.test(t)) return t.slice(1, -1).replace(/''/g, "'");
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (/^(true|false)$/i.test(t)) return t.toLowerCase() === 'true';
  if (/^null$/i.test(t)) return null;
  return undefined;
}

const likeRegex = (pattern, flags) =>
  new RegExp(
    `^${String(pattern)
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      .replace(/%/g, '.*')
      .replace(/_/g, '.')}$`,
    flags,
  );

function condition(text) {
  const m = /^\s*([a-z_][a-z0-9_]*)\s*(=|<>|!=|ilike|like)\s*(.+?)\s*$/is.exec(text);
  if (!m) fail(`syntax error at or near "${text.trim().split(/\s+/)[0]}"`);
  const [, col, op, raw] = m;
  const value = literal(raw);
  if (value === undefined) fail(`column "${raw.trim()}" does not exist`, '42703');
  const o = op.toLowerCase();
  return (row) => {
    const v = row[col.toLowerCase()];
    if (o === '=') return v === value || String(v) === String(value);
    if (o === '<>' || o === '!=') return String(v) !== String(value);
    return likeRegex(value, o === 'ilike' ? 'is' : 's').test(String(v ?? ''));
  };
}

/**
 * Runs one statement against `db` ({tables: {name: {rows: [...]}}}); returns {command, columns, rows}.
 * `context` gives version() and current_database()/current_user.
 */
export function runSql(text, db, context) {
  const sql = text.trim().replace(/;\s*$/, '');
  if (sql === '') return { command: '', columns: [], rows: [] };
  const bare = /^select\s+(.+)$/is.exec(sql);
  if (!bare) fail(`syntax error at or near "${sql.split(/\s+/)[0]}"`);
  const from =
    /^select\s+(.+?)\s+from\s+([a-z_][a-z0-9_.]*)(?:\s+where\s+(.+?))?(?:\s+order\s+by\s+([a-z_][a-z0-9_]*)(?:\s+(asc|desc))?)?(?:\s+limit\s+(\d+))?$/is.exec(
      sql,
    );
  if (!from) {
    const expr = bare[1].trim();
    const name = expr.replace(/\(\)$/, '').toLowerCase();
    let value;
    if (name === 'version') value = context.versionString;
    else if (name === 'current_database') value = context.database;
    else if (name === 'current_user') value = context.user;
    else value = literal(expr);
    if (value === undefined) fail(`column "${expr}" does not exist`, '42703');
    const column = /^(version|current_database|current_user)/i.test(expr) ? name : '?column?';
    return { command: 'SELECT 1', columns: [column], rows: [[value]] };
  }
  const [, cols, tableName, where, orderBy, direction, limit] = from;
  const name = tableName.toLowerCase();
  // The catalog view of the database's tables (all in schema public).
  const catalog = name === 'pg_tables' || name === 'pg_catalog.pg_tables';
  const table = catalog
    ? {
        rows: Object.keys(db.tables).map((t) => ({
          schemaname: 'public',
          tablename: t,
          tableowner: context.owner,
        })),
        columns: ['schemaname', 'tablename', 'tableowner'],
      }
    : db.tables[name.replace(/^public\./, '')];
  if (!table) fail(`relation "${tableName}" does not exist`, '42P01');
  const conditions = where ? where.split(/\s+and\s+/i).map(condition) : [];
  let rows = table.rows.filter((r) => conditions.every((c) => c(r)));
  if (orderBy) {
    const k = orderBy.toLowerCase();
    rows = [...rows].sort(
      (a, b) => (a[k] < b[k] ? -1 : a[k] > b[k] ? 1 : 0) * (direction?.toLowerCase() === 'desc' ? -1 : 1),
    );
  }
  if (limit) rows = rows.slice(0, Number(limit));
  if (/^count\(\*\)$/i.test(cols.trim()))
    return { command: 'SELECT 1', columns: ['count'], rows: [[rows.length]] };
  const known = table.rows[0] ? Object.keys(table.rows[0]) : (table.columns ?? []);
  const columns = cols.trim() === '*' ? known : cols.split(',').map((c) => c.trim().toLowerCase());
  for (const c of columns)
    if (table.rows[0] && !known.includes(c)) fail(`column "${c}" does not exist`, '42703');
  return {
    command: `SELECT ${rows.length}`,
    columns,
    rows: rows.map((r) => columns.map((c) => r[c] ?? null)),
  };
}
