// Stand-in for netcat (upstream's Rocket.Chat entrypoint runs `nc -z mongodb 27017`).
// `nc -z [-v] [-w SECS] HOST PORT`: exit 0 when a TCP connection succeeds within the timeout (default 1 s),
// else 1; -v prints netcat-openbsd's messages on stderr. Without -z, stdin goes to the connection and the
// connection to stdout.
import dns from 'node:dns/promises';
import net from 'node:net';

let scan = false;
let verbose = false;
let timeoutMs = 1000;
const positional = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (!arg.startsWith('-') || arg === '-') {
    positional.push(arg);
    continue;
  }
  for (let j = 1; j < arg.length; j++) {
    const c = arg[j];
    if (c === 'z') scan = true;
    else if (c === 'v') verbose = true;
    else if (c === 'w') {
      const value = arg.slice(j + 1) || args[++i];
      timeoutMs = Number(value) * 1000;
      break;
    }
    // -n, -4, -6 and friends are accepted and ignored.
  }
}

const [host, port] = positional;
if (!host || !port) {
  console.error('usage: nc [-46vz] [-w timeout] destination port');
  process.exit(1);
}

let address;
try {
  ({ address } = await dns.lookup(host));
} catch {
  if (verbose) console.error(`nc: getaddrinfo for host "${host}" port ${port}: Name or service not known`);
  process.exit(1);
}

const socket = net.connect({ host: address, port: Number(port) });
const timer = setTimeout(() => {
  if (verbose)
    console.error(
      `nc: connect to ${host} (${address}) port ${port} (tcp) timed out: Operation now in progress`,
    );
  process.exit(1);
}, timeoutMs);
socket.once('error', (err) => {
  const reason = err.code === 'ECONNREFUSED' ? 'Connection refused' : err.message;
  if (verbose) console.error(`nc: connect to ${host} (${address}) port ${port} (tcp) failed: ${reason}`);
  process.exit(1);
});
socket.once('connect', () => {
  clearTimeout(timer);
  if (verbose) console.error(`Connection to ${host} (${address}) ${port} port [tcp/*] succeeded!`);
  if (scan) {
    socket.destroy();
    process.exit(0);
  }
  process.stdin.pipe(socket);
  socket.pipe(process.stdout);
  socket.on('close', () => process.exit(0));
});
