// The mongod stand-in's storage: the whole state is one JSON file under the dbpath, rewritten atomically after
// every write, so it survives container restarts and lives in the same volume as upstream's data.
//   { replSetConfig: {...} | null, databases: { <db>: { <collection>: [doc, ...] } } }
import fs from 'node:fs';
import path from 'node:path';

export const STATE_FILE = 'standin-mongod.json';

export function loadState(dbpath) {
  const file = path.join(dbpath, STATE_FILE);
  if (!fs.existsSync(file)) return { replSetConfig: null, databases: {} };
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

export function saveState(dbpath, state) {
  const file = path.join(dbpath, STATE_FILE);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(state));
  fs.renameSync(`${file}.tmp`, file);
}

/** All values at a dotted path, descending into arrays like MongoDB does ("emails.address"). */
function valuesAt(doc, dotted) {
  let values = [doc];
  for (const key of dotted.split('.')) {
    const next = [];
    for (const v of values) {
      if (Array.isArray(v)) {
        for (const item of v)
          if (item !== null && typeof item === 'object' && key in item) next.push(item[key]);
      } else if (v !== null && typeof v === 'object' && key in v) next.push(v[key]);
    }
    values = next;
  }
  // An array field also matches on each of its elements.
  return values.flatMap((v) => (Array.isArray(v) ? [v, ...v] : [v]));
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function matchesCondition(values, cond) {
  if (
    cond !== null &&
    typeof cond === 'object' &&
    !Array.isArray(cond) &&
    Object.keys(cond)[0]?.startsWith('$')
  ) {
    return Object.entries(cond).every(([op, arg]) => {
      switch (op) {
        case '$eq':
          return values.some((v) => same(v, arg));
        case '$ne':
          return !values.some((v) => same(v, arg));
        case '$in':
          return values.some((v) => arg.some((a) => same(v, a)));
        case '$nin':
          return !values.some((v) => arg.some((a) => same(v, a)));
        case '$exists':
          return values.length > 0 === Boolean(arg);
        case '$regex':
          return values.some((v) => typeof v === 'string' && new RegExp(arg, cond.$options ?? '').test(v));
        case '$options':
          return true;
        default:
          throw Object.assign(new Error(`unknown operator: ${op}`), { code: 2, codeName: 'BadValue' });
      }
    });
  }
  return values.some((v) => same(v, cond));
}

/** A subset of MongoDB's query language: equality, dotted paths, $and/$or/$nor, $eq/$ne/$in/$nin/$exists/$regex. */
export function matches(doc, filter = {}) {
  return Object.entries(filter).every(([key, cond]) => {
    if (key === '$and') return cond.every((f) => matches(doc, f));
    if (key === '$or') return cond.some((f) => matches(doc, f));
    if (key === '$nor') return !cond.some((f) => matches(doc, f));
    return matchesCondition(valuesAt(doc, key), cond);
  });
}

function setPath(doc, dotted, value, mode) {
  const keys = dotted.split('.');
  let target = doc;
  for (const key of keys.slice(0, -1)) {
    if (target[key] === null || typeof target[key] !== 'object') target[key] = {};
    target = target[key];
  }
  const last = keys.at(-1);
  if (mode === 'set') target[last] = value;
  else if (mode === 'unset') delete target[last];
  else if (mode === 'push') {
    target[last] ??= [];
    target[last].push(value);
  } else if (mode === 'inc') target[last] = (target[last] ?? 0) + value;
}

/** Applies {$set, $unset, $push, $inc} (or a replacement document) to doc in place. */
export function applyUpdate(doc, update) {
  const ops = Object.keys(update);
  if (!ops.some((k) => k.startsWith('$'))) {
    for (const k of Object.keys(doc)) if (k !== '_id') delete doc[k];
    Object.assign(doc, update, { _id: doc._id });
    return;
  }
  for (const [op, fields] of Object.entries(update)) {
    const mode = { $set: 'set', $unset: 'unset', $push: 'push', $inc: 'inc' }[op];
    if (!mode)
      throw Object.assign(new Error(`Unknown modifier: ${op}`), { code: 9, codeName: 'FailedToParse' });
    for (const [k, v] of Object.entries(fields)) setPath(doc, k, v, mode);
  }
}
