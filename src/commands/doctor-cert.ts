import { proxy } from '../../steps/index.js';
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
  const project = proxy.project(deps.env.projectName);
  const dir = deps.files.real(proxy.dir);
  const logs = await deps.runner
    .run({ ...proxy.composeCommand(dir, project, proxy.logArgs), reject: false, timeoutMs: 10_000 })
    .catch(() => undefined);
  if (!logs) return undefined;
  const attempt = lastAttempts(`${logs.stdout}\n${logs.stderr}`, proxy.acme).get(r.domain.toLowerCase());
  if (attempt?.outcome !== 'failed') return undefined;
  const shown = (args: string[]) =>
    formatCommand(proxy.composeCommand(deps.env.hostPath(proxy.dir), project, args));
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
    retryCommand: shown(proxy.retryArgs),
  };
}
