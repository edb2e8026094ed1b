import semver from 'semver';
import kernelData from '../../assets/kernels.json' with { type: 'json' };
import type { Check, CheckResult } from './checks.js';

/** What the running kernel says of itself (src/system/host.ts reads it; tests record it). */
export interface KernelFacts {
  /** `uname -r` (/proc/sys/kernel/osrelease), e.g. 6.1.0-13-amd64 on Debian: an ABI name, not a version. */
  release: string;
  /** `uname -v` (/proc/sys/kernel/version), e.g. "#1 SMP PREEMPT_DYNAMIC Debian 6.1.64-1 (2023-11-30)". */
  version: string;
  /** Ubuntu's /proc/version_signature, e.g. "Ubuntu 5.15.0-91.101-generic 5.15.131" (absent elsewhere). */
  signature?: string;
}

export interface KernelVersion {
  /** The upstream version (x.y.z), or undefined when nothing tells it. */
  upstream?: string;
  /** Where it was read, for the evidence. */
  source: string;
  /**
   * An enterprise kernel (RHEL, AlmaLinux, Rocky, CentOS, Oracle: 4.18.0-513.el8): its x.y.z is the base it
   * froze years ago, and fixes are backported into it without changing that number. An "older than" rule
   * (e.g. "before 4.13, fsync loses writeback errors") would flag it for a problem its vendor fixed long ago,
   * so those rules are not applied to it; a rule naming an exact range of stable releases still is.
   */
  backport: boolean;
  /**
   * Only the x.y series is known (a Debian or Ubuntu ABI name such as 6.1.0-13-amd64 with no package version
   * beside it): "older than" rules, whose bounds are whole series, still judge it; exact ranges can't.
   */
  seriesOnly: boolean;
}

export type KernelDatabase = 'mongodb' | 'postgres' | 'none';

export interface KernelEntry {
  id: string;
  /** A platform's database, or "any": data on a local filesystem, whatever the platform. */
  database: KernelDatabase | 'any';
  /** semver range of the upstream version. */
  range: string;
  severity: 'warn' | 'fail';
  why: string;
  link: string;
  remedy: string;
}

export const kernelEntries: KernelEntry[] = kernelData.entries as KernelEntry[];

const norm = (v: string) => {
  const [a = '0', b = '0', c = '0'] = v.split('.');
  return `${Number(a)}.${Number(b)}.${Number(c)}`;
};

/** The upstream kernel version behind what `uname` and Ubuntu's version_signature say. */
export function upstreamKernel(k: KernelFacts): KernelVersion {
  const release = k.release.trim();
  const base = { backport: false, seriesOnly: false };
  // Ubuntu: the last field of /proc/version_signature is the upstream stable release its kernel is based on.
  const sig = k.signature?.trim().split(/\s+/).pop();
  if (sig && /^\d+\.\d+(\.\d+)?$/.test(sig))
    return { ...base, upstream: norm(sig), source: '/proc/version_signature' };
  // Debian: uname -r is the ABI (6.1.0-13-amd64); uname -v names the package version (6.1.64-1).
  // (Raspberry Pi OS adds an epoch: "Debian 1:6.6.51-1+rpt3".)
  const deb = /\bDebian (?:\d+:)?(\d+\.\d+(?:\.\d+)?)[-~+]/.exec(k.version);
  if (deb?.[1]) return { ...base, upstream: norm(deb[1]), source: 'uname -v' };
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!m) return { ...base, source: 'uname -r' };
  const upstream = `${Number(m[1])}.${Number(m[2])}.${Number(m[3] ?? 0)}`;
  if (/\.el\d+/.test(release)) return { ...base, backport: true, upstream, source: 'uname -r' };
  // x.y.0-N-flavour with nothing else: a Debian/Ubuntu ABI name (the real x.y.z is not in it).
  if (/^\d+\.\d+\.0-\d+(\.deb\d+\.\d+)?(-[a-z0-9]+)*$/.test(release))
    return { ...base, seriesOnly: true, upstream, source: 'uname -r' };
  // Arch (6.6.8-arch1-1), Fedora (6.5.6-300.fc39.x86_64), WSL (5.15.133.1-microsoft-standard-WSL2), mainline.
  return { ...base, upstream, source: 'uname -r' };
}

/** A range with no lower bound ("<4.13.0"): it says "older than". */
const olderThan = (range: string) => semver.satisfies('0.0.0', range);

export interface KernelVerdict {
  version: KernelVersion;
  hits: KernelEntry[];
  /** Entries that would match but are not applied (enterprise kernel, or only the series known). */
  skipped: KernelEntry[];
}

/** The entries that apply to this kernel for these databases ("any" entries always). */
export function judgeKernel(
  k: KernelFacts,
  databases: string[],
  entries: KernelEntry[] = kernelEntries,
): KernelVerdict {
  const version = upstreamKernel(k);
  const hits: KernelEntry[] = [];
  const skipped: KernelEntry[] = [];
  if (!version.upstream) return { version, hits, skipped };
  for (const e of entries) {
    if (e.database !== 'any' && !databases.includes(e.database)) continue;
    if (!semver.satisfies(version.upstream, e.range)) continue;
    const older = olderThan(e.range);
    if ((version.backport && older) || (version.seriesOnly && !older)) skipped.push(e);
    else hits.push(e);
  }
  return { version, hits, skipped };
}

/** Host check: the kernel against the known-bad ranges for the databases in `input.databases`. */
export const kernelCheck: Check = {
  id: 'kernel',
  title: 'Kernel',
  async run(probe, input): Promise<CheckResult> {
    if (!probe.kernel) return { status: 'ok', detail: 'not checked' };
    const facts = await probe.kernel();
    const dbs = (input.databases ?? []).filter((d) => d !== 'none');
    const { version, hits } = judgeKernel(facts, dbs);
    const name = version.upstream
      ? `Linux ${version.upstream}${version.source === 'uname -r' ? '' : ` (${version.source})`}`
      : `Linux ${facts.release}`;
    if (!version.upstream)
      return { status: 'ok', detail: `${name}: the upstream version is unknown; not judged` };
    if (hits.length === 0) {
      const note = version.backport
        ? `; ${facts.release} is an enterprise kernel with backported fixes: "older than" rules do not apply`
        : version.seriesOnly
          ? `; only the ${version.upstream.replace(/\.0$/, '')} series is known (${facts.release})`
          : '';
      return {
        status: 'ok',
        detail: `${name}: no known problem${dbs.length ? ` for ${dbs.join(', ')}` : ''}${note}`,
      };
    }
    const status = hits.some((h) => h.severity === 'fail') ? 'fail' : 'warn';
    const worst = hits.filter((h) => h.severity === status);
    return {
      status,
      detail: `${name}: ${hits.map((h) => `${h.why} (${h.link})`).join('; ')}`,
      remedy: worst.map((h) => h.remedy).join(' '),
    };
  },
};
