// Stand-in for percona/mongodb_exporter: `mongodb_exporter --mongodb.uri=URI [--web.listen-address=:9216]
// [--collect-all] [--compatible-mode] ...` serves /metrics with mongodb_up (a ping at scrape time) and a few
// server gauges.

import { gauge, serveMetrics } from '../lib/metrics.mjs';
import { exitOnSignals, parseFlags } from '../lib/proc.mjs';
import { selectServer } from '../lib/wire.mjs';

const { opts } = parseFlags(process.argv.slice(2), [
  'collect-all',
  'compatible-mode',
  'discovering-mode',
  'direct-connect',
  'version',
  'log.level',
]);
const uri =
  typeof opts['mongodb.uri'] === 'string'
    ? opts['mongodb.uri']
    : (process.env.MONGODB_URI ?? 'mongodb://localhost:27017');
const listen = String(opts['web.listen-address'] ?? ':9216');
const port = Number(listen.split(':').at(-1));
const path = String(opts['web.telemetry-path'] ?? '/metrics');

serveMetrics({
  port,
  path,
  name: 'MongoDB exporter',
  async collect() {
    let client;
    try {
      ({ client } = await selectServer(
        uri.includes('directConnection')
          ? uri
          : `${uri}${uri.includes('?') ? '&' : '?'}directConnection=true`,
        { timeoutMs: 2000 },
      ));
      const status = await client.command('serverStatus');
      return (
        gauge('mongodb_up', 1) +
        gauge('mongodb_ss_uptime', status.uptime) +
        gauge('mongodb_ss_connections', status.connections.current, 'conn_type="current"') +
        gauge('mongodb_version_info', 1, `mongodb="${status.version}"`)
      );
    } catch {
      return gauge('mongodb_up', 0);
    } finally {
      client?.close();
    }
  },
});
console.log(
  `time="${new Date().toISOString()}" level=info msg="Starting HTTP server for http://${listen}${path} ..." source="server.go:140"`,
);
exitOnSignals();
