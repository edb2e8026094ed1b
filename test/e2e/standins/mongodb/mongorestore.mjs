// Stand-in for mongorestore: `mongorestore [--uri=URI] [--drop] [--gzip] --archive[=FILE]` (no FILE: stdin), or a
// dump directory (default ./dump) as written by the mongodump stand-in. Without --drop, documents whose _id
// already exists are skipped and counted as failed, as the real tool does on duplicate keys.
import fs from 'node:fs';
import path from 'node:path';
import { connectOrExit, decodeArchive, plural, toolLog, toolOptions } from './tools.mjs';

const { opts, positional, uri, archive } = toolOptions(process.argv.slice(2));

function readInput() {
  if (archive !== undefined) {
    const buffer = fs.readFileSync(archive === '-' ? 0 : archive);
    return decodeArchive(buffer, opts.gzip);
  }
  const dir = positional[0] ?? (typeof opts.dir === 'string' ? opts.dir : 'dump');
  const databases = {};
  for (const db of fs.readdirSync(dir)) {
    databases[db] = {};
    for (const file of fs.readdirSync(path.join(dir, db)).filter((f) => f.endsWith('.json'))) {
      databases[db][file.slice(0, -5)] = JSON.parse(fs.readFileSync(path.join(dir, db, file), 'utf8'));
    }
  }
  return databases;
}

let databases;
try {
  databases = readInput();
} catch (err) {
  toolLog(`Failed: ${err.code === 'ENOENT' ? `open ${err.path}: no such file or directory` : err.message}`);
  process.exit(1);
}
const client = await connectOrExit(uri);
toolLog('preparing collections to restore from');
for (const [db, colls] of Object.entries(databases)) {
  for (const [coll, docs] of Object.entries(colls)) {
    if (opts.drop) toolLog(`dropping collection ${db}.${coll} before restoring`);
    toolLog(`restoring ${db}.${coll} from ${archive ? 'archive' : 'file'}`);
    toolLog(`finished restoring ${db}.${coll} (${plural(docs.length, 'document')})`);
  }
}
const { restored, failed } = await client.command('restore', { databases, drop: Boolean(opts.drop) });
client.close();
toolLog(
  `${plural(restored, 'document')} restored successfully. ${plural(failed, 'document')} failed to restore.`,
);
