// A synchronous client for the mongod stand-in, so mongosh scripts read like real mongosh ones
// (`const n = db.users.countDocuments(); if (n === 0) ...`). The network runs in a worker thread; the main thread
// blocks on Atomics.wait and takes the reply with receiveMessageOnPort.
import {
  isMainThread,
  MessageChannel,
  parentPort,
  receiveMessageOnPort,
  Worker,
  workerData,
} from 'node:worker_threads';
import * as wire from '../lib/wire.mjs';

const errorClasses = {
  MongoNetworkError: wire.MongoNetworkError,
  MongoServerSelectionError: wire.MongoServerSelectionError,
  MongoParseError: wire.MongoParseError,
  MongoServerError: wire.MongoServerError,
};

function rebuildError({ name, message, code, codeName }) {
  const Ctor = errorClasses[name] ?? Error;
  const err =
    Ctor === wire.MongoServerError ? new Ctor({ errmsg: message, code, codeName }) : new Ctor(message);
  return err;
}

export class SyncClient {
  #worker;
  #port;
  #flag = new Int32Array(new SharedArrayBuffer(4));

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#worker = new Worker(new URL(import.meta.url), {
      workerData: { port: port2, flag: this.#flag },
      transferList: [port2],
    });
    this.#worker.unref();
  }

  #call(message) {
    Atomics.store(this.#flag, 0, 0);
    this.#worker.postMessage(message);
    Atomics.wait(this.#flag, 0, 0);
    const { message: reply } = receiveMessageOnPort(this.#port);
    if (reply.error) throw rebuildError(reply.error);
    return reply.value;
  }

  /** Server selection (see lib/wire.mjs); returns the server's hello reply. */
  connect(uri, timeoutMs) {
    return this.#call({ kind: 'connect', uri, timeoutMs });
  }

  command(op, args = {}) {
    const { id, ok, ...rest } = this.#call({ kind: 'command', op, args });
    return rest;
  }

  close() {
    this.#worker.terminate();
  }
}

// Worker side: owns the WireClient.
if (!isMainThread && workerData?.flag) {
  const { port, flag } = workerData;
  let client;
  const answer = (payload) => {
    port.postMessage(payload);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  parentPort.on('message', async (msg) => {
    try {
      if (msg.kind === 'connect') {
        const selected = await wire.selectServer(msg.uri, { timeoutMs: msg.timeoutMs });
        client = selected.client;
        answer({ value: selected.hello });
      } else {
        answer({ value: await client.command(msg.op, msg.args) });
      }
    } catch (err) {
      answer({ error: { name: err.name, message: err.message, code: err.code, codeName: err.codeName } });
    }
  });
}
