/**
 * The host's side of being ready for a first certificate, as pure verdicts: its firewall, outbound mail, memory
 * and swap, CAA records and recent Let's Encrypt attempts (reachability.ts judges addresses, DNS and the round trip).
 */
import type { FetchOutcome, FirewallFacts, Verdict } from './reachability.js';

// ---------- firewall ----------

export function judgeFirewall(f: FirewallFacts, ports: number[], opened: number[] = []): Verdict {
  const cloud =
    "Also open them in your provider's cloud firewall (security group), in its web console: the wizard can't see it.";
  if (f.tool === 'none' || !f.active)
    return {
      status: 'ok',
      detail: `no active firewall on this host (${f.tool === 'none' ? 'none found' : `${f.tool} inactive`}). ${cloud}`,
    };
  if (f.closed.length === 0)
    return {
      status: 'ok',
      detail: `${f.tool} lets in ${ports.join(', ')}${opened.length ? ` (opened by the wizard: ${opened.join(', ')})` : ''}`,
    };
  const reclosed = opened.filter((p) => f.closed.includes(p));
  const again = reclosed.length
    ? ` The wizard had opened ${reclosed.join(', ')}: something closed them again.`
    : '';
  return {
    status: 'warn',
    detail: `${f.tool} keeps closed: ${f.closed.join(', ')}${f.detail ? ` (${f.detail})` : ''}.${again}`,
    remedy: `Open them${f.openCommands?.length ? `: ${f.openCommands.join('; ')}` : ''} (the wizard offers to). ${cloud}`,
  };
}

// ---------- outbound mail ----------

export function judgeOutboundMail(
  mx: { host: string; result: FetchOutcome | { ok: true } },
  smtp?: { host: string; port: number; result: FetchOutcome | { ok: true } },
): Verdict {
  const parts: string[] = [];
  let status: Verdict['status'] = 'ok';
  let remedy: string | undefined;
  if (mx.result.ok) parts.push(`${mx.host}:25 answers`);
  else {
    status = 'warn';
    parts.push(`${mx.host}:25 ${mx.result.error === 'timeout' ? 'times out' : mx.result.error}`);
    remedy =
      'Your provider blocks outbound port 25 (most clouds do by default): ask its support to lift the block, or relay mail through an SMTP service on port 587.';
  }
  if (smtp) {
    if (smtp.result.ok) parts.push(`${smtp.host}:${smtp.port} answers`);
    else {
      status = 'warn';
      parts.push(
        `${smtp.host}:${smtp.port} ${smtp.result.error === 'timeout' ? 'times out' : smtp.result.error}`,
      );
      remedy = `${remedy ? `${remedy} ` : ''}Check the SMTP host and port (${smtp.host}:${smtp.port}) and that outbound ${smtp.port} is allowed.`;
    }
  }
  return { status, detail: parts.join('; '), ...(remedy ? { remedy } : {}) };
}

// ---------- memory ----------

/** Swap to add so RAM + swap reaches the recommended size, rounded up to whole GiB (0: none needed). */
export function swapNeededMiB(ramMiB: number, swapMiB: number, recommendedMiB: number): number {
  const missing = recommendedMiB - ramMiB - swapMiB;
  return missing <= 0 ? 0 : Math.ceil(missing / 1024) * 1024;
}

/** RAM below the recommended size: swap makes up the difference above the minimum; below the minimum, stop. */
export function judgeMemory(
  ramMiB: number,
  swapMiB: number,
  recommendedMiB: number,
  minimumMiB: number,
): Verdict {
  const fmt = (m: number) => (m >= 1024 ? `${(m / 1024).toFixed(1)} GiB` : `${m} MiB`);
  if (ramMiB >= recommendedMiB)
    return { status: 'ok', detail: `${fmt(ramMiB)} RAM (recommended ${fmt(recommendedMiB)})` };
  if (ramMiB < minimumMiB) {
    return {
      status: 'fail',
      detail: `${fmt(ramMiB)} RAM, below the minimum of ${fmt(minimumMiB)} (swap can't make up for it).`,
      remedy: `Use a server with at least ${fmt(minimumMiB)} of RAM (${fmt(recommendedMiB)} recommended).`,
    };
  }
  const add = swapNeededMiB(ramMiB, swapMiB, recommendedMiB);
  if (add === 0)
    return {
      status: 'ok',
      detail: `${fmt(ramMiB)} RAM + ${fmt(swapMiB)} swap (recommended ${fmt(recommendedMiB)})`,
    };
  return {
    status: 'warn',
    detail: `${fmt(ramMiB)} RAM + ${fmt(swapMiB)} swap, below the recommended ${fmt(recommendedMiB)} (minimum ${fmt(minimumMiB)}).`,
    remedy: `Add a ${fmt(add)} swap file (the wizard offers to create /swapfile and add it to /etc/fstab), or use a server with ${fmt(recommendedMiB)} of RAM.`,
  };
}

/** The commands and fstab line that make a swap file of `mib` MiB at `path` (a logical host path). */
export function swapFilePlan(path: string, mib: number): { commands: string[][]; fstabLine: string } {
  return {
    commands: [
      ['fallocate', '-l', `${mib}M`, path],
      ['chmod', '600', path],
      ['mkswap', path],
      ['swapon', path],
    ],
    fstabLine: `${path} none swap sw 0 0`,
  };
}

// ---------- Let's Encrypt ----------

export interface CaaRecord {
  critical: number;
  tag: string;
  value: string;
}

export function judgeCaa(
  domain: string,
  caa: { records: CaaRecord[]; at?: string; error?: string },
): Verdict {
  if (caa.error && caa.records.length === 0)
    return { status: 'warn', detail: `CAA lookup failed (${caa.error}).` };
  const issue = caa.records.filter((r) => r.tag === 'issue' || r.tag === 'issuewild');
  if (issue.length === 0) return { status: 'ok', detail: `no CAA record restricts issuance for ${domain}` };
  const allowed = issue.some(
    (r) => r.tag === 'issue' && r.value.split(';')[0]?.trim().toLowerCase() === 'letsencrypt.org',
  );
  if (allowed) return { status: 'ok', detail: `CAA at ${caa.at ?? domain} allows letsencrypt.org` };
  return {
    status: 'fail',
    detail: `CAA at ${caa.at ?? domain} allows only ${issue.map((r) => r.value || '(nobody)').join(', ')}: Let's Encrypt may not issue.`,
    remedy: `Add at your DNS provider:\n${(caa.at ?? domain).replace(/\.$/, '')}. 300 IN CAA 0 issue "letsencrypt.org"\nor go on today with --tls selfsigned.`,
  };
}

/** Let's Encrypt allows 5 failed validations per hostname per hour; warn before the second one. */
export function judgeAttempts(
  attempts: { at: string; ok: boolean }[],
  now: Date,
  windowMs = 3_600_000,
): Verdict {
  const recent = attempts.filter((a) => !a.ok && now.getTime() - Date.parse(a.at) < windowMs);
  if (recent.length === 0)
    return {
      status: 'ok',
      detail: attempts.length
        ? `${attempts.length} earlier attempt(s), none failed in the last hour`
        : 'no earlier attempt',
    };
  const last = recent[recent.length - 1] as { at: string };
  return {
    status: 'warn',
    detail: `${recent.length} failed certificate request(s) in the last hour (last at ${last.at}); Let's Encrypt locks the name out after 5.`,
    remedy:
      'Fix what the checks above name before trying again, or go on today with --tls selfsigned and switch to letsencrypt later.',
  };
}
