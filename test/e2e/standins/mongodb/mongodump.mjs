// Stand-in for mongodump: `mongodump [--uri=URI] [--db=NAME] [--gzip] --archive[=FILE]` (no FILE: stdout), or
// `--out=DIR` (default ./dump) with one DIR/<db>/<collection>.json per collection. Logs to stderr like the real one.
import fs from 'node:fs';
import path from 'node:path';
import { connectOrExit, encodeArchive, plural, toolLog, toolOptions } from './tools.mjs';

const { opts, uri, archive } = toolOptions(process.argv.slice(2));
const client = await connectOrExit(uri);
const { databases } = await client.command('dump', { db: typeof opts.db === 'string' ? opts.db : undefined });
client.close();

const where = archive === undefined ? null : archive === '-' ? 'archive on stdout' : `archive '${archive}'`;
for (const [db, colls] of Object.entries(databases)) {
  for (const [coll, docs] of Object.entries(colls)) {
    toolLog(
      where
        ? `writing ${db}.${coll} to ${where}`
        : `writing ${db}.${coll} to ${path.join(opts.out ?? 'dump', db, `${coll}.json`)}`,
    );
    toolLog(`done dumping ${db}.${coll} (${plural(docs.length, 'document')})`);
  }
}

if (archive === '-') process.stdout.write(encodeArchive(databases, opts.gzip));
else if (archive) fs.writeFileSync(archive, encodeArchive(databases, opts.gzip));
else {
  const out = typeof opts.out === 'string' ? opts.out : 'dump';
  for (const [db, colls] of Object.entries(databases)) {
    fs.mkdirSync(path.join(out, db), { recursive: true });
    for (const [coll, docs] of Object.entries(colls))
      fs.writeFileSync(path.join(out, db, `${coll}.json`), JSON.stringify(docs));
  }
}
