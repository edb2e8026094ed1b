import { certbotGrammar } from '../../steps/proxy/acme.js';
import {
  PROXY_DIR,
  PROXY_LOG_ARGS,
  PROXY_RETRY_ARGS,
  proxyComposeCommand,
  proxyProject,
} from '../../steps/proxy/index.js';
import { type CertificateRequestFacts, lastAttempts } from '../core/acme.js';
import { formatCommand } from '../core/plan.js';
import { publicAddressesOf } from '../core/reachability.js';
import type { InstallRecord } from '../system/state.js';
import type { Deps } from './deps.js';

const bounded = <T>(p: Promise<T>, ms: number): Promise<T | undefined> =>
  Promise.race([
    p.catch(() => undefined),
    new Promise<undefined>((res) => setTimeout(() => res(undefined), ms).unref()),
  ]);

/**
 * Doctor: why the proxy has no good certificate for this install. Reads the proxy's recent log (bounded),
 * keeps the newest request for the domain, and adds where the name points, this server's addresses and
 * its firewall. Undefined when the newest request did not fail.
 */
export async function certificateRequestFacts(
  deps: Deps,
  r: InstallRecord,
): Promise<CertificateRequestFacts | undefined> {
  const project = proxyProject(deps.env.projectName);
  const dir = deps.files.real(PROXY_DIR);
  const logs = await deps.runner
    .run({ ...proxyComposeCommand(dir, project, PROXY_LOG_ARGS), reject: false, timeoutMs: 10_000 })
    .catch(() => undefined);
  if (!logs) return undefined;
  const attempt = lastAttempts(`${logs.stdout}\n${logs.stderr}`, certbotGrammar).get(r.domain.toLowerCase());
  if (attempt?.outcome !== 'failed') return undefined;
  const shown = (args: string[]) =>
    formatCommand(proxyComposeCommand(deps.env.hostPath(PROXY_DIR), project, args));
  const probe = deps.probe.readiness;
  const domain = attempt.domain ?? r.domain;
  const [pub, sys, addr, firewall] = await Promise.all([
    probe ? bounded(probe.resolvePublic(domain), 8000) : undefined,
    probe ? bounded(probe.resolveSystem(domain), 8000) : undefined,
    probe ? bounded(probe.publicAddressFacts(), 8000) : undefined,
    probe && attempt.class === 'connection' ? bounded(probe.firewall([80, 443]), 8000) : undefined,
  ]);
  const seen = pub && [...pub.a, ...pub.aaaa].length ? pub : sys;
  return {
    attempt,
    ...(seen
      ? { dns: { addresses: [...seen.a, ...seen.aaaa], ...(seen.error ? { error: seen.error } : {}) } }
      : {}),
    ...(addr ? { mine: publicAddressesOf(addr) } : {}),
    ...(firewall ? { firewall } : {}),
    retryCommand: shown(PROXY_RETRY_ARGS),
  };
}
