import semver from 'semver';
import type { ClockSample } from './clock.js';
import { dnsCheck } from './dns-check.js';
import { earlierDataCheck } from './earlier-data.js';
import { type KernelFacts, kernelCheck } from './kernel.js';
import type { InstallAnswers } from './platform.js';
import { portsCheck } from './port-check.js';

export { dnsCheck };

import type { ReadinessInput, ReadinessProbe } from './readiness-checks.js';

/** Facts about the host, gathered by src/system/host.ts (or a table in tests). */
export interface HostProbe {
  osRelease(): Promise<Record<string, string> | undefined>;
  arch(): string;
  uid(): number;
  memoryMiB(): number;
  /** Free space of the filesystem holding `path` (or its nearest existing parent), in GiB. */
  diskFreeGiB(path: string): Promise<number>;
  /** undefined when nothing listens on the TCP port; else what does (the container, when one publishes it). */
  portHolder(port: number): Promise<PortHolder | undefined>;
  dockerServerVersion(): Promise<{ version?: string; error?: string }>;
  composeVersion(): Promise<string | undefined>;
  cgroupV2(): Promise<boolean>;
  gitVersion(): Promise<string | undefined>;
  resolve(domain: string): Promise<{ a: string[]; aaaa: string[]; error?: string }>;
  /** The CNAME targets of a name (without the final dot); empty when it has none. */
  resolveCname?(name: string): Promise<{ cname: string[]; error?: string }>;
  publicAddresses(): Promise<string[]>;
  /** uname -r / -v and Ubuntu's version_signature; absent: the kernel check skips. */
  kernel?(): Promise<KernelFacts>;
  /** One request to the time reference (WIZARD_TIME_URL), bounded by its own short timeout; never throws. */
  clock?(): Promise<ClockSample>;
  /** timedatectl's NTPSynchronized; undefined when it can't tell (no timedatectl, no systemd). */
  ntpSynchronized?(): Promise<boolean | undefined>;
  /** The Docker volumes Compose made for a project (its label); absent: the earlier-data check skips. */
  composeVolumes?(project: string): Promise<string[]>;
  /** Network readiness facts (echo service, public resolver, round trip, firewall); absent: those checks fall back or skip. */
  readiness?: ReadinessProbe;
}

/** What holds a TCP port: a process, and the container (and its compose project) when one publishes the port. */
export interface PortHolder {
  process?: string;
  pid?: number;
  container?: { name: string; project?: string };
}

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  status: CheckStatus;
  detail: string;
  remedy?: string;
}

export interface CheckInput {
  answers?: Partial<InstallAnswers>;
  memoryMiB?: number;
  diskGiB?: number;
  ports?: number[];
  /** Processes allowed to hold a needed port (our own proxy, this install's containers on a re-run). */
  allowedPortHolders?: Map<number, string>;
  /** What the platform serves on a port (25: 'SMTP'), named when the port is taken. */
  portNames?: Record<number, string>;
  /** The platform's remedy when a port is taken and no known culprit holds it. */
  portsRemedy?: string;
  /** The flag that moves a port of this install (3000: '--port', 27017: '--mongodb-port'). */
  portFlags?: Record<number, string>;
  dataDir?: string;
  /** The install's Compose project, and whether the state already records it (a re-run). */
  project?: string;
  installed?: boolean;
  /** The other installs on this host (from the state), for checks such as "nobody else uses the proxy". */
  otherInstalls?: { name: string; platform: string; tls: string; domain: string }[];
  /** The databases of the platforms concerned (Platform.database), for the kernel's known-bad ranges. */
  databases?: string[];
  /** What the host-readiness checks need beyond the answers (src/core/readiness-checks.ts). */
  readiness?: ReadinessInput;
}

export interface Check {
  id: string;
  title: string;
  run: (probe: HostProbe, input: CheckInput) => Promise<CheckResult>;
}

export interface CheckOutcome extends CheckResult {
  id: string;
  title: string;
  ignored?: boolean;
}

const pass = (detail: string): CheckResult => ({ status: 'ok', detail });
const warn = (detail: string, remedy?: string): CheckResult => ({
  status: 'warn',
  detail,
  ...(remedy ? { remedy } : {}),
});
const fail = (detail: string, remedy: string): CheckResult => ({ status: 'fail', detail, remedy });

const SUPPORTED_OS = ['ubuntu', 'debian', 'almalinux', 'rocky'];

export const osCheck: Check = {
  id: 'os',
  title: 'Operating system',
  async run(probe) {
    const os = await probe.osRelease();
    if (!os)
      return warn(
        '/etc/os-release is missing; the distribution is unknown.',
        'Supported: Ubuntu, Debian, AlmaLinux, Rocky Linux.',
      );
    const name = os.PRETTY_NAME ?? `${os.ID ?? 'unknown'} ${os.VERSION_ID ?? ''}`.trim();
    const ids = [os.ID ?? '', ...(os.ID_LIKE ?? '').split(/\s+/)].map((s) => s.toLowerCase());
    if (SUPPORTED_OS.includes((os.ID ?? '').toLowerCase())) return pass(name);
    if (ids.some((id) => SUPPORTED_OS.includes(id)))
      return warn(
        `${name} (like ${os.ID_LIKE}); not tested.`,
        'Supported: Ubuntu, Debian, AlmaLinux, Rocky Linux.',
      );
    return warn(
      `${name} is not a tested distribution.`,
      'Supported: Ubuntu, Debian, AlmaLinux, Rocky Linux. Other systems may work if Docker runs.',
    );
  },
};

export const archCheck: Check = {
  id: 'arch',
  title: 'CPU architecture',
  async run(probe) {
    const arch = probe.arch();
    if (arch === 'x64') return pass('amd64 (x86_64)');
    const name = arch === 'arm64' ? 'arm64 (aarch64)' : arch;
    return fail(
      `${name}: the platforms' images are published for amd64 only.`,
      'Use an amd64 (x86_64) server.',
    );
  },
};

export const rootCheck: Check = {
  id: 'root',
  title: 'Root privileges',
  async run(probe) {
    if (probe.uid() === 0) return pass('running as root');
    return fail(`running as uid ${probe.uid()}`, 'Run the wizard as root: sudo wizard');
  },
};

export const dockerCheck: Check = {
  id: 'docker',
  title: 'Docker engine',
  async run(probe) {
    const d = await probe.dockerServerVersion();
    if (d.version) return pass(`daemon answers (Docker ${d.version})`);
    if (d.error === 'missing')
      return fail(
        'docker is not installed.',
        'Install Docker Engine and its Compose plugin: https://docs.docker.com/engine/install/ (e.g. curl -fsSL https://get.docker.com | sh), then run the wizard again.',
      );
    return fail(
      `Can't reach the Docker daemon: ${d.error ?? 'no answer'}`,
      'Start it: systemctl enable --now docker',
    );
  },
};

export const dockerVersionCheck: Check = {
  id: 'docker-version',
  title: 'Docker engine version',
  async run(probe) {
    const d = await probe.dockerServerVersion();
    if (!d.version) return warn('unknown (the daemon does not answer)');
    const v = semver.coerce(d.version);
    if (v && semver.lt(v, '24.0.0'))
      return warn(
        `Docker ${d.version} is older than 24.`,
        'Upgrade Docker Engine: https://docs.docker.com/engine/install/',
      );
    return pass(`Docker ${d.version}`);
  },
};

export const composeCheck: Check = {
  id: 'compose',
  title: 'Docker Compose v2',
  async run(probe) {
    const v = await probe.composeVersion();
    if (!v)
      return fail(
        'the `docker compose` plugin is missing.',
        "Install it: apt-get install docker-compose-plugin (from Docker's repository), or see https://docs.docker.com/compose/install/linux/",
      );
    const sv = semver.coerce(v);
    if (sv && sv.major < 2)
      return fail(
        `Compose ${v} is v1.`,
        'Install the Compose v2 plugin: https://docs.docker.com/compose/install/linux/',
      );
    return pass(`Compose ${v}`);
  },
};

export const cgroupsCheck: Check = {
  id: 'cgroups-v2',
  title: 'cgroups v2',
  async run(probe) {
    if (await probe.cgroupV2()) return pass('unified hierarchy');
    return warn(
      'this host uses cgroups v1.',
      'Boot with systemd.unified_cgroup_hierarchy=1, or use a current distribution.',
    );
  },
};

export const gitCheck: Check = {
  id: 'git',
  title: 'git',
  async run(probe) {
    const v = await probe.gitVersion();
    if (v) return pass(`git ${v}`);
    return fail('git is not installed.', 'Install it: apt-get install -y git (or dnf install -y git)');
  },
};

export const memoryCheck: Check = {
  id: 'memory',
  title: 'Memory',
  async run(probe, input) {
    const have = probe.memoryMiB();
    const need = input.memoryMiB ?? 0;
    const fmt = (m: number) => (m >= 1024 ? `${(m / 1024).toFixed(1)} GiB` : `${m} MiB`);
    if (have >= need) return pass(`${fmt(have)} (needs ${fmt(need)})`);
    return fail(
      `${fmt(have)}, below the ${fmt(need)} this platform needs.`,
      `Use a server with at least ${fmt(need)} of RAM, or add swap.`,
    );
  },
};

export const diskCheck: Check = {
  id: 'disk',
  title: 'Disk space',
  async run(probe, input) {
    const path = input.dataDir ?? '/';
    const free = await probe.diskFreeGiB(path);
    const need = input.diskGiB ?? 0;
    if (free >= need) return pass(`${free.toFixed(1)} GiB free at ${path} (needs ${need} GiB)`);
    return fail(
      `${free.toFixed(1)} GiB free at ${path}, below ${need} GiB.`,
      'Free space or choose another --data-dir on a larger disk.',
    );
  },
};

export { portsCheck };

/** Checks every install runs before the questions. */
export const hostChecks: Check[] = [
  osCheck,
  archCheck,
  rootCheck,
  dockerCheck,
  dockerVersionCheck,
  composeCheck,
  cgroupsCheck,
  gitCheck,
];
/** Checks that need the platform and the answers. */
export const installChecks: Check[] = [
  memoryCheck,
  diskCheck,
  portsCheck,
  dnsCheck,
  kernelCheck,
  earlierDataCheck,
];

export function blockingFailures(outcomes: CheckOutcome[]): CheckOutcome[] {
  return outcomes.filter((o) => o.status === 'fail' && !o.ignored);
}
