// Rocket.Chat's MongoDB access, over the stand-ins' line-JSON protocol (../lib/wire.mjs). Reconnects when the
// connection drops (e.g. the mongodb container restarted), as the real driver does.
import { parseMongoUri, selectServer } from '../lib/wire.mjs';

export class Db {
  #client = null;

  constructor(uri) {
    this.uri = uri;
    this.name = parseMongoUri(uri).db;
  }

  /** Server selection with the driver's semantics; throws MongoServerSelectionError after timeoutMs. */
  async connect(timeoutMs, reportedTimeoutMs) {
    const { client } = await selectServer(this.uri, { timeoutMs, reportedTimeoutMs });
    this.#client?.close();
    this.#client = client;
    return (await client.command('buildInfo')).version;
  }

  async command(op, args = {}) {
    if (!this.#client || this.#client.closed) await this.connect(10000, 30000);
    return this.#client.command(op, { db: this.name, ...args });
  }

  async find(collection, filter = {}, limit = 0) {
    return (await this.command('find', { collection, filter, limit })).docs;
  }

  async findOne(collection, filter = {}) {
    return (await this.find(collection, filter, 1))[0] ?? null;
  }

  async count(collection, filter = {}) {
    return (await this.command('count', { collection, filter })).n;
  }

  insert(collection, ...documents) {
    return this.command('insert', { collection, documents });
  }

  update(collection, filter, update, { upsert = false, multi = false } = {}) {
    return this.command('update', { collection, filter, update, upsert, multi });
  }
}
