// The stand-ins' request/reply client over their own line protocols: one JSON object per line, both ways.
//   request:  {"id":1,"op":"hello",...}            reply: {"id":1,"ok":1,...}  or  {"id":1,"ok":0,...error fields}
// The one client under the MongoDB stand-in's (lib/wire.mjs), the PostgreSQL stand-in's (postgres/pg.mjs) and the
// Mastodon stand-in's (mastodon/lib/pg.mjs): each subclass only words its errors as its real program does.

/** Splits a socket's data into JSON lines; calls onMessage(object) for each non-empty line. */
export function readJsonLines(socket, onMessage) {
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim()) onMessage(JSON.parse(line));
    }
  });
}

export class JsonLineClient {
  #socket;
  #nextId = 1;
  #pending = new Map();
  #closedError = null;

  /**
   * @param socket a connected net.Socket
   * @param errors replyError(reply) for a reply with ok 0; closedError(err) when the connection errs or closes
   *   (err is undefined on a plain close)
   */
  constructor(socket, errors) {
    this.#socket = socket;
    readJsonLines(socket, (reply) => {
      const waiter = this.#pending.get(reply.id);
      if (!waiter) return;
      this.#pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply);
      else waiter.reject(errors.replyError(reply));
    });
    const fail = (err) => {
      this.#closedError = errors.closedError(err ?? undefined);
      for (const { reject } of this.#pending.values()) reject(this.#closedError);
      this.#pending.clear();
    };
    socket.on('error', fail);
    socket.on('close', () => fail());
  }

  get closed() {
    return this.#closedError !== null;
  }

  /** Sends {op, ...args}; resolves with the reply, rejects with replyError(reply) when ok is 0. */
  request(op, args = {}) {
    if (this.#closedError) return Promise.reject(this.#closedError);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#socket.write(`${JSON.stringify({ ...args, id, op })}\n`);
    });
  }

  close() {
    this.#socket.end();
    this.#socket.destroy();
  }
}
