// Shared by the mongodump and mongorestore stand-ins: option parsing, connection, log lines and the archive format.
// The real tools write a binary archive; the stand-ins write a line of magic text followed by the JSON state,
// optionally gzipped (--gzip), and mongorestore refuses a gzipped archive without --gzip like the real one.
import zlib from 'node:zlib';
import { parseFlags } from '../lib/proc.mjs';
import { selectServer } from '../lib/wire.mjs';

export const ARCHIVE_MAGIC = 'wizard-standin-mongodump-archive v1';

/** The tools' log line format: "2025-01-31T10:00:00.000+0000<TAB>message" on stderr. */
export function toolLog(message) {
  process.stderr.write(`${new Date().toISOString().replace('Z', '+0000')}\t${message}\n`);
}

export function toolOptions(argv) {
  const { opts, positional } = parseFlags(argv, [
    'gzip',
    'drop',
    'quiet',
    'verbose',
    'v',
    'archive',
    'oplog',
    'preserveUUID',
  ]);
  let uri = typeof opts.uri === 'string' ? opts.uri : positional.find((p) => p.startsWith('mongodb://'));
  if (!uri) uri = `mongodb://${opts.host ?? 'localhost'}:${opts.port ?? 27017}/`;
  const archive = opts.archive === undefined ? undefined : opts.archive === true ? '-' : opts.archive;
  return { opts, positional: positional.filter((p) => !p.startsWith('mongodb://')), uri, archive };
}

export async function connectOrExit(uri) {
  try {
    return (await selectServer(uri, { timeoutMs: 5000, reportedTimeoutMs: 30000 })).client;
  } catch (err) {
    toolLog(
      `Failed: can't create session: failed to connect to ${uri}: server selection error: ${err.message}`,
    );
    process.exit(1);
  }
}

export function encodeArchive(databases, gzip) {
  const text = `${ARCHIVE_MAGIC}\n${JSON.stringify({ databases })}\n`;
  return gzip ? zlib.gzipSync(text) : Buffer.from(text);
}

export function decodeArchive(buffer, gzip) {
  let data = buffer;
  if (gzip) data = zlib.gunzipSync(buffer);
  const text = data.toString('utf8');
  const nl = text.indexOf('\n');
  if (text.slice(0, nl) !== ARCHIVE_MAGIC)
    throw new Error('stream or file does not appear to be a mongodump archive');
  return JSON.parse(text.slice(nl + 1)).databases;
}

export const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
