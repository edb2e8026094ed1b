// Runs the wizard's readiness checks with the real NetProbe, inside whatever namespace it is started in;
// prints the outcomes as JSON. Bundled by the e2e test with esbuild: argv DOMAIN TLS.
import { dnsCheck } from '../../../src/core/checks.js';
import type { Logger } from '../../../src/core/context.js';
import { readinessInputFor, withReadinessChecks } from '../../../src/core/readiness-checks.js';
import { runChecks } from '../../../src/engine/run-checks.js';
import { NetProbe } from '../../../src/system/netprobe.js';
import { ExecaRunner } from '../../../src/system/runner.js';

const [domain = '', tls = 'letsencrypt'] = process.argv.slice(2);
const log: Logger = { path: '-', info() {}, warn() {}, error() {}, addSecret() {} };
const runner = new ExecaRunner(log);
const readiness = new NetProbe({ runner, env: process.env, timeoutMs: 3000 });
const answers = { domain, tls: tls as 'letsencrypt' };
const probe = {
  memoryMiB: () => 8192,
  resolve: async () => ({ a: [], aaaa: [] }),
  publicAddresses: async () => [],
  readiness,
};
const checks = withReadinessChecks([dnsCheck], answers);
const started = Date.now();
const outcomes = await runChecks(
  checks,
  probe as never,
  { answers, memoryMiB: 1024, readiness: readinessInputFor(answers, { ports: [], memoryMiB: 1024 }) },
  { timeoutMs: 20_000 },
);
process.stdout.write(JSON.stringify({ ms: Date.now() - started, outcomes }));
