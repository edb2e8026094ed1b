// Stand-in for natsio/prometheus-nats-exporter: `prometheus-nats-exporter [-port 7777] [-healthz] [-varz] ... URL`
// serves /metrics on 7777 with a few gnatsd_* gauges read from URL's /varz and /healthz at scrape time.

import { gauge, serveMetrics } from '../lib/metrics.mjs';
import { exitOnSignals, parseFlags } from '../lib/proc.mjs';

const { opts, positional } = parseFlags(process.argv.slice(2), [
  'healthz',
  'varz',
  'connz',
  'subz',
  'routez',
  'gatewayz',
  'leafz',
  'jsz',
  'accstatz',
  'connz_detailed',
  'use_internal_server_id',
  'use_internal_server_name',
  'DV',
  'V',
  'D',
]);
const url = (positional.at(-1) ?? 'http://localhost:8222').replace(/\/$/, '');
const port = Number(opts.port ?? opts.p ?? 7777);

async function getJson(path) {
  try {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? await res.json() : null;
  } catch {
    return null;
  }
}

serveMetrics({
  port,
  name: 'NATS Prometheus Exporter',
  async collect() {
    const [varz, healthz] = await Promise.all([getJson('/varz'), getJson('/healthz')]);
    const label = `server_id="${url}"`;
    let out = gauge('gnatsd_healthz_status', healthz?.status === 'ok' ? 0 : 1, label);
    if (varz) {
      out += gauge('gnatsd_varz_connections', varz.connections ?? 0, label);
      out += gauge('gnatsd_varz_in_msgs', varz.in_msgs ?? 0, label);
      out += gauge('gnatsd_varz_out_msgs', varz.out_msgs ?? 0, label);
      out += gauge('gnatsd_varz_subscriptions', varz.subscriptions ?? 0, label);
    }
    return out;
  },
});
console.log(
  `[1] ${new Date().toISOString()} [INF] Prometheus exporter listening at http://0.0.0.0:${port}/metrics`,
);
exitOnSignals();
