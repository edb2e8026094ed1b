import { type CheckOutcome, dnsCheck } from '../core/checks.js';
import { type Finding, fromCheckOutcomes } from '../core/doctor.js';
import { swapFilePlan, swapNeededMiB } from '../core/reachability.js';
import { platformReadiness, withReadinessChecks } from '../core/readiness-checks.js';
import { runChecks } from '../engine/run-checks.js';
import { detectFirewall, type FirewallChange, type FirewallTarget, openPorts } from '../system/firewall.js';
import type { InstallRecord } from '../system/state.js';
import type { Deps } from './deps.js';

export type ReadinessRecord = NonNullable<InstallRecord['readiness']>;

/**
 * After the preflight: offer to open exactly the closed firewall ports and to add the missing swap
 * (a question on a terminal, or --yes). Returns what changed, for the state (doctor shows it).
 */
export async function offerHostFixes(
  deps: Deps,
  outcomes: CheckOutcome[],
  opts: {
    yes: boolean;
    dryRun: boolean;
    ports: number[];
    memoryMiB: number;
    confirm: (message: string) => Promise<boolean>;
    firewall?: FirewallTarget;
  },
): Promise<Partial<ReadinessRecord>> {
  const out: Partial<ReadinessRecord> = {};
  if (opts.dryRun || (!opts.yes && !deps.term.interactive)) return out;
  const ask = (m: string) => (opts.yes ? Promise.resolve(true) : opts.confirm(m));

  const fw = outcomes.find((o) => o.id === 'firewall');
  if (fw?.status === 'warn') {
    const target = opts.firewall ?? { runner: deps.runner };
    const facts = await detectFirewall(target, opts.ports);
    if (
      facts.closed.length > 0 &&
      (await ask(
        `${facts.tool} keeps TCP ${facts.closed.join(', ')} closed. Open exactly those (${facts.openCommands?.join('; ')})?`,
      ))
    ) {
      const change: FirewallChange = await openPorts(target, facts, facts.closed);
      deps.log.info(`firewall: opened ${change.ports.join(', ')} with ${change.tool}`);
      deps.term.stderr.write(
        `Opened TCP ${change.ports.join(', ')} in ${change.tool}. Open them in your provider's cloud firewall too (its web console).\n`,
      );
      out.firewall = [change];
    }
  }

  const swap = outcomes.find((o) => o.id === 'swap');
  if (swap?.status === 'warn' && deps.probe.readiness) {
    const mib = swapNeededMiB(deps.probe.memoryMiB(), await deps.probe.readiness.swapMiB(), opts.memoryMiB);
    const path = '/swapfile';
    if (
      mib > 0 &&
      !(await deps.files.exists(path)) &&
      (await ask(`Create a ${mib / 1024} GiB swap file at ${path} (added to /etc/fstab)?`))
    ) {
      const real = deps.files.real(path);
      const plan = swapFilePlan(real, mib);
      for (const [file, ...args] of plan.commands)
        await deps.runner.run({ file: file as string, args, timeoutMs: 120_000 });
      const fstab = (await deps.files.readText('/etc/fstab')) ?? '';
      const line = swapFilePlan(path, mib).fstabLine;
      if (!fstab.split('\n').includes(line))
        await deps.files.write({
          kind: 'file',
          path: '/etc/fstab',
          content: `${fstab}${fstab && !fstab.endsWith('\n') ? '\n' : ''}${line}\n`,
          mode: 0o644,
          description: 'swap file',
        });
      out.swap = { path, mib, at: new Date().toISOString() };
    }
  }
  return out;
}

/** One certificate request's result, kept for the "second failed attempt" warning (last 10). */
export function withAttempt(r: ReadinessRecord | undefined, ok: boolean): ReadinessRecord {
  return { ...r, leAttempts: [...(r?.leAttempts ?? []), { at: new Date().toISOString(), ok }].slice(-10) };
}

/** Doctor: the readiness checks per install, with what the wizard changed (firewall ports, swap) and its certificate attempts. */
export async function readinessFindings(deps: Deps, records: InstallRecord[]): Promise<Finding[]> {
  const all = await Promise.all(
    records.map(async (r) => {
      const platform = deps.platforms.find((p) => p.id === r.platform);
      if (!platform) return [];
      const answers = {
        platform: r.platform,
        name: r.name,
        domain: r.domain,
        email: r.email,
        tls: r.tls,
        port: r.port,
        dataDir: r.dataDir,
        extra: r.extra ?? {},
      };
      const checks = withReadinessChecks([dnsCheck], answers);
      if (checks.length <= 1) return [];
      const readiness = platformReadiness(platform, answers as never, {
        firewallOpened: (r.readiness?.firewall ?? []).flatMap((c) => c.ports),
        ...(r.readiness?.leAttempts ? { leAttempts: r.readiness.leAttempts, now: new Date() } : {}),
      });
      const outcomes = await runChecks(
        checks,
        deps.probe,
        { answers, memoryMiB: platform.requirements.memoryMiB, readiness },
        { timeoutMs: 20_000 },
      );
      const swap = r.readiness?.swap;
      return fromCheckOutcomes(outcomes).map((f) => ({
        ...f,
        id: `readiness.${f.id.replace(/^host\./, '')}`,
        install: r.name,
        ...(f.id === 'host.swap' && swap
          ? {
              evidence: `${f.evidence}; the wizard added ${swap.path} (${swap.mib} MiB) on ${swap.at.slice(0, 10)}`,
            }
          : {}),
      }));
    }),
  );
  return all.flat();
}
