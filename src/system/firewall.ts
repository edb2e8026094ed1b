import type { CommandRunner } from '../core/context.js';
import type { FirewallFacts } from '../core/reachability.js';

/**
 * The host firewall: ufw, firewalld, or plain nftables / iptables rules. Every command goes through the
 * runner, behind an optional prefix (e.g. ['ip', 'netns', 'exec', NS]) so a test can aim it at a namespace.
 */
export interface FirewallTarget {
  runner: CommandRunner;
  prefix?: string[];
}

export interface NftFacts extends FirewallFacts {
  /** The input chain that drops what is closed, where an accept rule goes. */
  chain?: { family: string; table: string; name: string };
}

const SERVICE_PORTS: Record<string, number[]> = {
  http: [80],
  https: [443],
  smtp: [25],
  smtps: [465],
  submission: [587],
  imap: [143],
  imaps: [993],
  'Nginx Full': [80, 443],
  'Nginx HTTP': [80],
  'Nginx HTTPS': [443],
  OpenSSH: [22],
  ssh: [22],
};

async function exec(t: FirewallTarget, argv: string[], timeoutMs = 10_000) {
  const full = [...(t.prefix ?? []), ...argv];
  return t.runner
    .run({ file: full[0] as string, args: full.slice(1), reject: false, timeoutMs })
    .catch(() => undefined);
}

/** Ports in "80", "80/tcp", "80,443/tcp", "1000:2000/tcp", "{ 80, 443 }" forms. */
function portsIn(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.replace(/[{}]/g, '').split(/[\s,]+/)) {
    const m = /^(\d+)(?:[:-](\d+))?(?:\/tcp)?$/.exec(part.trim());
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] ? Number(m[2]) : a;
    for (let p = a; p <= b && p - a < 65536; p++) out.push(p);
  }
  return out;
}

/** `ufw status` -> active, and which of `ports` no ALLOW rule lets in. */
export function parseUfw(out: string, ports: number[]): FirewallFacts {
  const active = /^Status:\s*active/m.test(out);
  const allowed = new Set<number>();
  for (const line of out.split('\n')) {
    const m = /^(.+?)\s+ALLOW(?:\s+IN)?\s+/.exec(line.trim());
    if (!m?.[1]) continue;
    const spec = m[1].replace(/\s*\(v6\)$/, '').trim();
    for (const p of SERVICE_PORTS[spec] ?? portsIn(spec)) allowed.add(p);
  }
  return { tool: 'ufw', active, closed: active ? ports.filter((p) => !allowed.has(p)) : [] };
}

export function parseFirewalld(
  state: string,
  listPorts: string,
  services: string,
  ports: number[],
): FirewallFacts {
  const active = state.trim() === 'running';
  const allowed = new Set<number>([
    ...portsIn(listPorts),
    ...services.split(/\s+/).flatMap((s) => SERVICE_PORTS[s] ?? []),
  ]);
  return { tool: 'firewalld', active, closed: active ? ports.filter((p) => !allowed.has(p)) : [] };
}

/** `nft list ruleset`: the input base chains, their policy and their tcp dport accept / drop rules (in order). */
export function parseNft(ruleset: string, ports: number[]): NftFacts {
  let family = '';
  let table = '';
  let chain: { name: string; input: boolean; policy: string; rules: string[] } | undefined;
  const chains: { family: string; table: string; name: string; policy: string; rules: string[] }[] = [];
  for (const raw of ruleset.split('\n')) {
    const line = raw.trim();
    let m = /^table (\S+) (\S+) \{/.exec(line);
    if (m) {
      family = m[1] ?? '';
      table = m[2] ?? '';
      continue;
    }
    m = /^chain (\S+) \{/.exec(line);
    if (m) {
      chain = { name: m[1] ?? '', input: false, policy: 'accept', rules: [] };
      continue;
    }
    if (!chain) continue;
    const hook = /type filter hook input .*?(?:policy (\w+))?;?\s*$/.exec(line);
    if (hook) {
      chain.input = true;
      const pol = /policy (\w+)/.exec(line);
      if (pol?.[1]) chain.policy = pol[1];
      continue;
    }
    if (line === '}') {
      if (chain.input)
        chains.push({ family, table, name: chain.name, policy: chain.policy, rules: chain.rules });
      chain = undefined;
      continue;
    }
    if (line) chain.rules.push(line);
  }
  const verdictFor = (c: (typeof chains)[number], port: number): 'accept' | 'drop' => {
    for (const r of c.rules) {
      const v = /\b(accept|drop|reject)\b/.exec(r)?.[1];
      if (!v) continue;
      const dport = /tcp dport (\{[^}]*\}|\S+)/.exec(r);
      if (dport?.[1]) {
        if (portsIn(dport[1]).includes(port)) return v === 'accept' ? 'accept' : 'drop';
        continue;
      }
      // Rules bound to a state, an interface or a source apply to some packets only; a bare verdict to all.
      if (/^(accept|drop|reject)$/.test(r) || /^meta l4proto tcp (drop|reject)/.test(r))
        return v === 'accept' ? 'accept' : 'drop';
    }
    return c.policy === 'drop' ? 'drop' : 'accept';
  };
  const closed: number[] = [];
  let dropping: (typeof chains)[number] | undefined;
  for (const p of ports) {
    const c = chains.find((ch) => verdictFor(ch, p) === 'drop');
    if (c) {
      closed.push(p);
      dropping ??= c;
    }
  }
  return {
    tool: 'nftables',
    active: chains.length > 0,
    closed,
    ...(dropping
      ? {
          chain: { family: dropping.family, table: dropping.table, name: dropping.name },
          detail: `chain ${dropping.family} ${dropping.table} ${dropping.name}`,
        }
      : {}),
  };
}

/** `iptables -S INPUT`. */
export function parseIptables(out: string, ports: number[]): FirewallFacts {
  const policy = /^-P INPUT (\w+)/m.exec(out)?.[1] ?? 'ACCEPT';
  const rules = out.split('\n').filter((l) => l.startsWith('-A INPUT'));
  const verdict = (port: number) => {
    for (const r of rules) {
      const target = /-j (\w+)/.exec(r)?.[1];
      const dport = /--dports? (\S+)/.exec(r)?.[1];
      if (!target) continue;
      if (dport) {
        if (portsIn(dport.replace(/:/g, '-')).includes(port)) return target === 'ACCEPT' ? 'accept' : 'drop';
      } else if (!/-m (state|conntrack)|-i |-s /.test(r) && target !== 'ACCEPT') return 'drop';
    }
    return policy === 'ACCEPT' ? 'accept' : 'drop';
  };
  const closed = ports.filter((p) => verdict(p) === 'drop');
  return { tool: 'iptables', active: rules.length > 0 || policy !== 'ACCEPT', closed };
}

/** Which firewall manages this host, and which of `ports` it keeps closed. */
export async function detectFirewall(t: FirewallTarget, ports: number[]): Promise<NftFacts> {
  const f = await detect(t, ports);
  return f.closed.length ? { ...f, openCommands: openCommandsFor(f, f.closed).map((c) => c.join(' ')) } : f;
}

async function detect(t: FirewallTarget, ports: number[]): Promise<NftFacts> {
  const ufw = await exec(t, ['ufw', 'status']);
  if (ufw && ufw.exitCode === 0 && /^Status:/m.test(ufw.stdout)) {
    const f = parseUfw(ufw.stdout, ports);
    if (f.active) return f;
  }
  const fwd = await exec(t, ['firewall-cmd', '--state']);
  if (fwd && fwd.stdout.trim() === 'running') {
    const [lp, ls] = await Promise.all([
      exec(t, ['firewall-cmd', '--list-ports']),
      exec(t, ['firewall-cmd', '--list-services']),
    ]);
    return parseFirewalld('running', lp?.stdout ?? '', ls?.stdout ?? '', ports);
  }
  const nft = await exec(t, ['nft', 'list', 'ruleset']);
  if (nft && nft.exitCode === 0 && nft.stdout.trim()) {
    const f = parseNft(nft.stdout, ports);
    if (f.active) return f;
  }
  const ipt = await exec(t, ['iptables', '-S', 'INPUT']);
  if (ipt && ipt.exitCode === 0) {
    const f = parseIptables(ipt.stdout, ports);
    if (f.active) return f;
  }
  return { tool: 'none', active: false, closed: [] };
}

/** The commands that open exactly `ports` with the detected tool (argv arrays, before the prefix). */
export function openCommandsFor(f: NftFacts, ports: number[]): string[][] {
  switch (f.tool) {
    case 'ufw':
      return ports.map((p) => ['ufw', 'allow', `${p}/tcp`]);
    case 'firewalld':
      return [
        ...ports.map((p) => ['firewall-cmd', '--permanent', `--add-port=${p}/tcp`]),
        ['firewall-cmd', '--reload'],
      ];
    case 'nftables': {
      const c = f.chain ?? { family: 'inet', table: 'filter', name: 'input' };
      return ports.map((p) => [
        'nft',
        'insert',
        'rule',
        c.family,
        c.table,
        c.name,
        'tcp',
        'dport',
        String(p),
        'accept',
      ]);
    }
    case 'iptables':
      return ports.map((p) => ['iptables', '-I', 'INPUT', '-p', 'tcp', '--dport', String(p), '-j', 'ACCEPT']);
    default:
      return [];
  }
}

export interface FirewallChange {
  tool: FirewallFacts['tool'];
  ports: number[];
  commands: string[];
  at: string;
}

/** Opens exactly the closed ports; returns what changed (for the state), or throws the first failure. */
export async function openPorts(t: FirewallTarget, f: NftFacts, ports: number[]): Promise<FirewallChange> {
  const cmds = openCommandsFor(f, ports);
  for (const argv of cmds) {
    const full = [...(t.prefix ?? []), ...argv];
    await t.runner.run({
      file: full[0] as string,
      args: full.slice(1),
      timeoutMs: 30_000,
      remedy: 'Open the ports by hand.',
    });
  }
  return { tool: f.tool, ports, commands: cmds.map((c) => c.join(' ')), at: new Date().toISOString() };
}
