import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { type HostProbe, installChecks } from '../../src/core/checks.js';
import {
  judgeKernel,
  type KernelFacts,
  kernelCheck,
  kernelEntries,
  upstreamKernel,
} from '../../src/core/kernel.js';
import { runChecks } from '../../src/engine/run-checks.js';
import { platforms } from '../../steps/index.js';

/** `uname -r`, `uname -v` and /proc/version_signature as recorded on real hosts. */
const HOSTS = {
  debian64: { release: '6.1.0-14-amd64', version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.64-1 (2023-11-30)' },
  debian66: { release: '6.1.0-15-amd64', version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.66-1 (2023-12-09)' },
  debianBpo: {
    release: '6.1.0-0.deb11.17-amd64',
    version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.69-1~bpo11+1 (2024-01-05)',
  },
  debianOld: { release: '4.9.0-19-amd64', version: '#1 SMP Debian 4.9.320-2 (2022-06-30)' },
  raspberry: { release: '6.6.51+rpt-rpi-v8', version: '#1 SMP PREEMPT Debian 1:6.6.51-1+rpt3 (2024-10-08)' },
  debianBpoNoPkg: { release: '6.1.0-0.deb11.17-amd64', version: '#1 SMP PREEMPT_DYNAMIC' },
  ubuntu: {
    release: '5.15.0-91-generic',
    version: '#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023',
    signature: 'Ubuntu 5.15.0-91.101-generic 5.15.131',
  },
  ubuntuNoSig: { release: '4.4.0-210-generic', version: '#242-Ubuntu SMP Fri Apr 16 09:57:56 UTC 2021' },
  alma8: { release: '4.18.0-513.5.1.el8_9.x86_64', version: '#1 SMP Fri Nov 17 03:31:10 EST 2023' },
  centos7: { release: '3.10.0-1160.105.1.el7.x86_64', version: '#1 SMP Thu Dec 7 15:39:45 UTC 2023' },
  arch: { release: '6.6.8-arch1-1', version: '#1 SMP PREEMPT_DYNAMIC Thu, 21 Dec 2023 19:01:01 +0000' },
  wsl: { release: '5.15.133.1-microsoft-standard-WSL2', version: '#1 SMP Thu Oct 5 21:02:42 UTC 2023' },
  fedora: {
    release: '6.5.6-300.fc39.x86_64',
    version: '#1 SMP PREEMPT_DYNAMIC Fri Oct  6 19:57:21 UTC 2023',
  },
  mainline4: { release: '4.12.14', version: '#1 SMP Mon Jul 10 10:00:00 UTC 2017' },
  garbage: { release: 'unknown', version: '' },
} satisfies Record<string, KernelFacts>;

describe('the upstream kernel version', () => {
  it('Debian: from uname -v, never the ABI name of uname -r', () => {
    expect(upstreamKernel(HOSTS.debian64)).toMatchObject({
      upstream: '6.1.64',
      source: 'uname -v',
      backport: false,
    });
    expect(upstreamKernel(HOSTS.debianBpo).upstream).toBe('6.1.69');
    expect(upstreamKernel(HOSTS.debianOld).upstream).toBe('4.9.320');
    expect(upstreamKernel(HOSTS.raspberry)).toMatchObject({ upstream: '6.6.51', source: 'uname -v' });
    expect(upstreamKernel(HOSTS.debianBpoNoPkg)).toMatchObject({ upstream: '6.1.0', seriesOnly: true });
  });

  it('Ubuntu: the last field of version_signature; without it only the series is known', () => {
    expect(upstreamKernel(HOSTS.ubuntu)).toMatchObject({
      upstream: '5.15.131',
      source: '/proc/version_signature',
    });
    expect(upstreamKernel(HOSTS.ubuntuNoSig)).toMatchObject({ upstream: '4.4.0', seriesOnly: true });
  });

  it('RHEL-style kernels are marked as backport kernels', () => {
    expect(upstreamKernel(HOSTS.alma8)).toMatchObject({ upstream: '4.18.0', backport: true });
    expect(upstreamKernel(HOSTS.centos7)).toMatchObject({ upstream: '3.10.0', backport: true });
  });

  it('Arch, Fedora, WSL and mainline: from uname -r', () => {
    expect(upstreamKernel(HOSTS.arch)).toMatchObject({
      upstream: '6.6.8',
      backport: false,
      seriesOnly: false,
    });
    expect(upstreamKernel(HOSTS.fedora).upstream).toBe('6.5.6');
    expect(upstreamKernel(HOSTS.wsl).upstream).toBe('5.15.133');
    expect(upstreamKernel(HOSTS.mainline4).upstream).toBe('4.12.14');
    expect(upstreamKernel(HOSTS.garbage).upstream).toBeUndefined();
  });
});

const ids = (k: KernelFacts, dbs: string[]) => judgeKernel(k, dbs).hits.map((h) => h.id);

describe('known-bad ranges × database', () => {
  it('6.1.64 (ext4 corruption) fails for every platform, chatmail included; 6.1.66 is fixed', () => {
    for (const dbs of [['mongodb'], ['postgres'], ['none'], []])
      expect(ids(HOSTS.debian64, dbs)).toEqual(['ext4-dio-corruption']);
    expect(ids(HOSTS.debian66, ['postgres', 'mongodb'])).toEqual([]);
  });

  it('before 4.13: warns for PostgreSQL only; before 4.18: for MongoDB only', () => {
    expect(ids(HOSTS.mainline4, ['postgres'])).toEqual(['fsync-writeback-errors']);
    expect(ids(HOSTS.mainline4, ['mongodb'])).toEqual(['tcmalloc-rseq']);
    expect(ids(HOSTS.mainline4, ['none'])).toEqual([]);
    expect(ids(HOSTS.debianOld, ['postgres', 'mongodb'])).toEqual([
      'fsync-writeback-errors',
      'tcmalloc-rseq',
    ]);
    expect(ids(HOSTS.ubuntu, ['postgres', 'mongodb'])).toEqual([]);
  });

  it('enterprise kernels: "older than" rules are not applied (their fixes are backported)', () => {
    const v = judgeKernel(HOSTS.centos7, ['postgres', 'mongodb']);
    expect(v.hits).toEqual([]);
    expect(v.skipped.map((s) => s.id)).toEqual(['fsync-writeback-errors', 'tcmalloc-rseq']);
  });

  it('a series-only ABI name: "older than" rules judge it, an exact range cannot', () => {
    expect(ids(HOSTS.ubuntuNoSig, ['mongodb'])).toEqual(['tcmalloc-rseq']);
    const abi61 = { release: '6.1.0-14-amd64', version: '#1 SMP PREEMPT_DYNAMIC' };
    expect(judgeKernel(abi61, []).hits).toEqual([]);
  });

  it('every entry of assets/kernels.json is well formed and sourced', () => {
    expect(kernelEntries.length).toBeGreaterThan(0);
    for (const e of kernelEntries) {
      expect(semver.validRange(e.range), e.id).not.toBeNull();
      expect(['any', 'mongodb', 'postgres', 'none']).toContain(e.database);
      expect(['warn', 'fail']).toContain(e.severity);
      expect(e.link).toMatch(/^https:\/\//);
      expect(e.why.length).toBeGreaterThan(20);
      expect(e.remedy.length).toBeGreaterThan(20);
    }
  });

  it('every platform declares its database', () => {
    expect(Object.fromEntries(platforms.map((p) => [p.id, p.database]))).toEqual({
      rocketchat: 'mongodb',
      mattermost: 'postgres',
      mastodon: 'postgres',
      chatmail: 'none',
    });
  });
});

describe('the kernel check (shared by install and doctor)', () => {
  const probe = (k?: KernelFacts) => ({ ...(k ? { kernel: async () => k } : {}) }) as unknown as HostProbe;

  it('fails 6.1.64 with the reason, the source and the remedy', async () => {
    const r = await kernelCheck.run(probe(HOSTS.debian64), { databases: ['postgres'] });
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/^Linux 6\.1\.64 \(uname -v\): ext4 data corruption/);
    expect(r.detail).toContain('https://bugs.debian.org/cgi-bin/bugreport.cgi?bug=1057843');
    expect(r.remedy).toContain('6.1.66');
  });

  it('warns on an old kernel for the database, passes the same kernel for chatmail', async () => {
    expect(await kernelCheck.run(probe(HOSTS.mainline4), { databases: ['postgres'] })).toMatchObject({
      status: 'warn',
      remedy: expect.stringContaining('4.13'),
    });
    expect(await kernelCheck.run(probe(HOSTS.mainline4), { databases: ['none'] })).toEqual({
      status: 'ok',
      detail: 'Linux 4.12.14: no known problem',
    });
  });

  it('says why an enterprise kernel passes, and when the version is unknown', async () => {
    expect((await kernelCheck.run(probe(HOSTS.alma8), { databases: ['mongodb'] })).detail).toContain(
      'enterprise kernel with backported fixes',
    );
    expect(await kernelCheck.run(probe(HOSTS.garbage), {})).toEqual({
      status: 'ok',
      detail: 'Linux unknown: the upstream version is unknown; not judged',
    });
    expect(await kernelCheck.run(probe(), {})).toEqual({ status: 'ok', detail: 'not checked' });
  });

  it("is one of the installer's platform checks, and --ignore-check kernel turns its failure into a warning", async () => {
    expect(installChecks).toContain(kernelCheck);
    const [o] = await runChecks(
      [kernelCheck],
      probe(HOSTS.debian64),
      { databases: ['mongodb'] },
      { ignore: ['kernel'] },
    );
    expect(o).toMatchObject({ id: 'kernel', status: 'fail', ignored: true });
  });
});
