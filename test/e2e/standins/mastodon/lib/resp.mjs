// Enough of Redis's RESP protocol for the stand-ins: the redis-server stand-in parses commands (arrays of bulk
// strings, or inline commands as redis-cli sends for `redis-cli ping`), clients send commands and read one reply.
import dns from 'node:dns/promises';
import net from 'node:net';

export function encodeCommand(args) {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')}`;
}

export const reply = {
  simple: (s) => `+${s}\r\n`,
  error: (s) => `-${s}\r\n`,
  integer: (n) => `:${n}\r\n`,
  bulk: (s) => (s === null || s === undefined ? '$-1\r\n' : `$${Buffer.byteLength(s)}\r\n${s}\r\n`),
  array: (items) => `*${items.length}\r\n${items.map((i) => reply.bulk(i)).join('')}`,
};

/** Parses as many complete commands as `buffer` holds; returns them and the rest. */
export function parseCommands(buffer) {
  const commands = [];
  let rest = buffer;
  for (;;) {
    if (rest.length === 0) break;
    if (rest[0] !== '*') {
      const nl = rest.indexOf('\r\n');
      if (nl < 0) break;
      commands.push(rest.slice(0, nl).trim().split(/\s+/).filter(Boolean));
      rest = rest.slice(nl + 2);
      continue;
    }
    const head = rest.indexOf('\r\n');
    if (head < 0) break;
    const count = Number(rest.slice(1, head));
    let at = head + 2;
    const args = [];
    let complete = true;
    for (let i = 0; i < count; i++) {
      const lenEnd = rest.indexOf('\r\n', at);
      if (lenEnd < 0 || rest.length < lenEnd + 2 + Number(rest.slice(at + 1, lenEnd)) + 2) {
        complete = false;
        break;
      }
      const len = Number(rest.slice(at + 1, lenEnd));
      args.push(rest.slice(lenEnd + 2, lenEnd + 2 + len));
      at = lenEnd + 2 + len + 2;
    }
    if (!complete) break;
    commands.push(args);
    rest = rest.slice(at);
  }
  return { commands, rest };
}

/** Sends one command and resolves with the first reply line (+PONG -> "PONG"); rejects on -ERR or no server. */
export async function command(host, port, args, timeoutMs = 3000) {
  let address = host;
  if (net.isIP(host) === 0) {
    try {
      ({ address } = await dns.lookup(host));
    } catch {
      throw new Error(`getaddrinfo ENOTFOUND ${host}`);
    }
  }
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port });
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('timeout'));
    }, timeoutMs);
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('connect', () => socket.write(encodeCommand(args)));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      const nl = data.indexOf('\r\n');
      if (nl < 0) return;
      const line = data.slice(0, nl);
      const len = line[0] === '$' ? Number(line.slice(1)) : 0;
      if (len > 0 && Buffer.byteLength(data) < nl + 2 + len) return;
      clearTimeout(timer);
      socket.end();
      if (line[0] === '-') reject(new Error(line.slice(1)));
      else if (line[0] === '$') resolve(len < 0 ? null : data.slice(nl + 2, nl + 2 + len));
      else resolve(line.slice(1));
    });
  });
}
