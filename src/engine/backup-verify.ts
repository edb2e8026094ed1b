import { randomBytes } from 'node:crypto';
import type { Clock, CommandRunner } from '../core/context.js';
import type { DumpSpec } from '../core/platform.js';
import { poll } from './poll.js';

/**
 * `wizard backup verify`'s trial restore: the dump fed into a scratch container of the database's own image (no
 * network, its own name, removed afterwards whatever happens), then counted. Only the runner is used.
 */
export async function trialRestore(
  runner: CommandRunner,
  dump: DumpSpec,
  image: string,
  dumpFile: string,
  opts: { clock: Clock; signal?: AbortSignal; timeoutSeconds?: number; output?: (line: string) => void },
): Promise<{ ok: boolean; detail: string }> {
  const signal = opts.signal ? { signal: opts.signal } : {};
  const found = await runner.run({
    file: 'docker',
    args: ['image', 'inspect', '--format', '{{.Id}}', image],
    reject: false,
  });
  if (found.exitCode !== 0)
    return {
      ok: false,
      detail: `the image ${image} is not on this host (docker pull ${image}, then verify again)`,
    };
  const name = `wizard-verify-${randomBytes(4).toString('hex')}`;
  const exec = (argv: string[], extra: { stdinFile?: string; reject?: boolean } = {}) =>
    runner.run(
      {
        file: 'docker',
        args: ['exec', ...(extra.stdinFile ? ['-i'] : []), name, ...argv],
        reject: false,
        ...extra,
      },
      signal,
    );
  try {
    opts.output?.(`Starting a scratch ${image} (no network)...`);
    await runner.run(
      {
        file: 'docker',
        args: [
          'run',
          '--detach',
          '--name',
          name,
          '--network',
          'none',
          '--label',
          'wizard.verify=1',
          ...Object.entries(dump.scratch.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
          image,
        ],
      },
      signal,
    );
    let ready = await exec(dump.scratch.ready);
    await poll({
      clock: opts.clock,
      timeoutMs: (opts.timeoutSeconds ?? 90) * 1000,
      intervalMs: 1000,
      attempt: async (elapsedMs) => {
        if (elapsedMs > 0) ready = await exec(dump.scratch.ready);
        return ready.exitCode === 0 ? { done: true, value: undefined } : { done: false };
      },
    });
    if (ready.exitCode !== 0)
      return {
        ok: false,
        detail: `the scratch database did not start: ${ready.stderr.trim().split('\n').pop() ?? ''}`,
      };
    opts.output?.('Restoring the dump into it...');
    const restored = await exec(dump.restore, { stdinFile: dumpFile });
    if (restored.exitCode !== 0)
      return {
        ok: false,
        detail: `the dump does not restore: ${(restored.stderr || restored.stdout).trim().split('\n').slice(-2).join(' ')}`,
      };
    const check = await exec(dump.scratch.check);
    const count = Number(check.stdout.trim().split('\n').pop());
    if (check.exitCode !== 0 || !Number.isFinite(count))
      return {
        ok: false,
        detail: `the restored database can't be read: ${check.stderr.trim().split('\n').pop() ?? ''}`,
      };
    if (count === 0) return { ok: false, detail: `the dump restores, but holds no ${dump.scratch.counted}s` };
    return {
      ok: true,
      detail: `the dump restores into a scratch ${image}: ${count} ${dump.scratch.counted}${count === 1 ? '' : 's'}`,
    };
  } finally {
    await runner.run({
      file: 'docker',
      args: ['rm', '--force', '--volumes', name],
      reject: false,
      ignoreAbort: true,
    });
  }
}
