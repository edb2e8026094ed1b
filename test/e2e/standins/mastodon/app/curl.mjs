// Stand-in for curl, as the images' health checks use it: `curl [-s] [-f] [--noproxy H] [-H 'K: V'] [-X M] URL`.
// Prints the body; exit 0 whatever the status (22 with -f and a status >= 400), 7 when nothing listens
// ("curl: (7) Failed to connect ..." unless -s).
import http from 'node:http';

const argv = process.argv.slice(2);
let silent = false;
let failOnError = false;
let method = 'GET';
const headers = {};
let target;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--noproxy' || a === '-o' || a === '--max-time' || a === '-m') i++;
  else if (a === '-H' || a === '--header') {
    const [k, ...v] = argv[++i].split(':');
    headers[k.trim()] = v.join(':').trim();
  } else if (a === '-X' || a === '--request') method = argv[++i];
  else if (/^-[a-zA-Z]+$/.test(a)) {
    if (a.includes('s')) silent = true;
    if (a.includes('f')) failOnError = true;
  } else if (a === '--silent') silent = true;
  else if (a === '--fail') failOnError = true;
  else if (!a.startsWith('-')) target = a;
}
const url = new URL(/^https?:\/\//.test(target ?? '') ? target : `http://${target}`);
const req = http.request(url, { method, headers }, (res) => {
  res.pipe(process.stdout);
  res.on('end', () => process.exit(failOnError && res.statusCode >= 400 ? 22 : 0));
});
req.on('error', () => {
  if (!silent)
    console.error(
      `curl: (7) Failed to connect to ${url.hostname} port ${url.port || 80} after 0 ms: Couldn't connect to server`,
    );
  process.exit(7);
});
req.end();
