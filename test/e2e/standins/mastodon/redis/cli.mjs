// Stand-in for redis-cli: `redis-cli [-h HOST] [-p PORT] COMMAND [ARGS...]` prints the reply like redis-cli
// (PONG, a bulk string, "(integer) N", "(nil)", "(error) ERR ..."); without a server: "Could not connect to Redis
// at HOST:PORT: Connection refused", exit 1. No interactive mode.
import { command } from '../lib/resp.mjs';

const argv = process.argv.slice(2);
let host = '127.0.0.1';
let port = 6379;
const args = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '-h') host = argv[++i];
  else if (argv[i] === '-p') port = Number(argv[++i]);
  else if (argv[i] === '--no-auth-warning' || argv[i] === '--raw') continue;
  else args.push(argv[i]);
}
if (args.length === 0) {
  console.error('the redis-cli stand-in has no interactive mode: give a command, e.g. redis-cli ping');
  process.exit(1);
}
try {
  const out = await command(host, port, args);
  console.log(out === null ? '(nil)' : out);
} catch (e) {
  if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || /ENOTFOUND/.test(e.message)) {
    console.log(
      `Could not connect to Redis at ${host}:${port}: ${e.code === 'ECONNREFUSED' ? 'Connection refused' : 'Name or service not known'}`,
    );
    process.exit(1);
  }
  console.log(`(error) ${e.message}`);
}
