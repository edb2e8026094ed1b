// A tiny authoritative DNS server for the host-readiness e2e test: answers A records from a JSON file
// (reread on every query, so the test can change it), NODATA for other types of a known name, NXDOMAIN else.
// With --silent it binds and never answers (a resolver that hangs).
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';

const [, , host, port, mapFile, mode] = process.argv;
const sock = dgram.createSocket('udp4');
sock.on('message', (msg, rinfo) => {
  if (mode === '--silent') return;
  let off = 12;
  const labels = [];
  while (msg[off] !== 0 && off < msg.length) {
    const len = msg[off];
    labels.push(msg.subarray(off + 1, off + 1 + len).toString());
    off += len + 1;
  }
  const qEnd = off + 5;
  const name = labels.join('.').toLowerCase();
  const qtype = msg.readUInt16BE(off + 1);
  let map = {};
  try {
    map = JSON.parse(readFileSync(mapFile, 'utf8'));
  } catch {}
  const known = Object.keys(map).some((k) => k === name || k.endsWith(`.${name}`));
  const answers = qtype === 1 && map[name] ? [map[name]].flat() : [];
  const header = Buffer.alloc(12);
  msg.copy(header, 0, 0, 2);
  header.writeUInt16BE(0x8180 | (known ? 0 : 3), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const rrs = answers.map((ip) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(1, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(4, 10);
    for (const [i, b] of ip.split('.').entries()) rr.writeUInt8(Number(b), 12 + i);
    return rr;
  });
  sock.send(Buffer.concat([header, msg.subarray(12, qEnd), ...rrs]), rinfo.port, rinfo.address);
});
sock.bind(Number(port), host, () => console.log('ready'));
