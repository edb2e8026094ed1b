import type { CommandRunner } from '../core/context.js';
import type { FirewallChange } from './firewall.js';

/**
 * Closes what `openPorts` opened for an install (its FirewallChange records), with the tool that opened it:
 * `ufw delete allow`, firewalld's `--remove-port`, the nftables rule found by its handle, `iptables -D`. Ports
 * in `keep` (still needed by another install, or by the proxy it shares) stay open. Failures are reported, not
 * thrown: the install is removed either way, and the message says what to close by hand.
 */
export async function closePorts(
  runner: CommandRunner,
  changes: FirewallChange[],
  keep: number[],
): Promise<{ closed: { tool: string; port: number }[]; failed: string[] }> {
  const closed: { tool: string; port: number }[] = [];
  const failed: string[] = [];
  const run = async (argv: string[]) => {
    const r = await runner
      .run({ file: argv[0] as string, args: argv.slice(1), reject: false, timeoutMs: 30_000 })
      .catch((e: Error) => ({ exitCode: 1, stdout: '', stderr: e.message }));
    if (r.exitCode !== 0)
      failed.push(`${argv.join(' ')}: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.exitCode}`}`);
    return r;
  };
  for (const change of changes) {
    const ports = change.ports.filter((p) => !keep.includes(p));
    for (const port of ports) {
      let ok = true;
      const before = failed.length;
      if (change.tool === 'ufw') await run(['ufw', 'delete', 'allow', `${port}/tcp`]);
      else if (change.tool === 'firewalld')
        await run(['firewall-cmd', '--permanent', `--remove-port=${port}/tcp`]);
      else if (change.tool === 'iptables')
        await run(['iptables', '-D', 'INPUT', '-p', 'tcp', '--dport', String(port), '-j', 'ACCEPT']);
      else if (change.tool === 'nftables') {
        // The rule was `nft insert rule FAMILY TABLE CHAIN tcp dport PORT accept`: found again by its handle.
        const m = /nft insert rule (\S+) (\S+) (\S+) tcp dport (\d+) accept/.exec(
          change.commands.find((c) => c.includes(`dport ${port} `)) ?? '',
        );
        if (!m) ok = false;
        else {
          const [, family, table, chain] = m as unknown as [string, string, string, string];
          const list = await run(['nft', '-a', 'list', 'chain', family, table, chain]);
          const handle = new RegExp(`tcp dport ${port} accept # handle (\\d+)`).exec(list.stdout)?.[1];
          if (handle) await run(['nft', 'delete', 'rule', family, table, chain, 'handle', handle]);
          else ok = false;
        }
      } else ok = false;
      if (ok && failed.length === before) closed.push({ tool: change.tool, port });
      else if (ok === false)
        failed.push(`port ${port} (${change.tool}): the rule the wizard added is not there`);
    }
    if (change.tool === 'firewalld' && ports.length) await run(['firewall-cmd', '--reload']);
  }
  return { closed, failed };
}
