import { stripVTControlCharacters } from 'node:util';
import { composeCommand } from '../core/compose.js';
import { UserError } from '../core/errors.js';
import type { Deps } from './deps.js';
import { composeOfRecord, selectInstall } from './record.js';

/** `wizard logs [INSTALL] [SERVICE] [--follow] [--tail N]`: the install's container logs, straight to the terminal. */
export async function logsCommand(
  opts: { install?: string; service?: string; follow?: boolean; tail?: string },
  deps: Deps,
): Promise<number> {
  const state = deps.state();
  const all = state.installs();
  let install = opts.install;
  let service = opts.service;
  // One argument may be a service of the only install.
  if (install && !state.find(install) && !service && all.length === 1) {
    service = install;
    install = all[0]?.name;
  }
  const { record: r } = selectInstall(deps, install);
  if (!r) {
    throw new UserError(
      install
        ? `No install named or serving "${install}".`
        : `There are ${all.length} installs on this host; name one.`,
      `Installs: ${all.map((i) => i.name).join(', ') || 'none (run wizard install)'}. Usage: wizard logs INSTALL [SERVICE] [--follow] [--tail N]`,
    );
  }
  const tail = opts.tail ?? '100';
  if (!/^(\d+|all)$/.test(tail))
    throw new UserError(`--tail "${tail}" is not a number of lines.`, 'Use e.g. --tail 200, or --tail all.');
  const ctx = composeOfRecord(deps, r);
  if (service) {
    const services = await deps.runner.run({
      ...composeCommand(ctx, ['config', '--services']),
      reject: false,
      timeoutMs: 10_000,
    });
    const known = services.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    if (services.exitCode === 0 && !known.includes(service)) {
      throw new UserError(`${r.name} has no service "${service}".`, `Its services: ${known.join(', ')}.`);
    }
  }
  const args = ['logs', '--tail', tail, ...(opts.follow ? ['--follow'] : []), ...(service ? [service] : [])];
  // Compose starts each line with an erase-line escape even into a pipe: a pipe or a file gets plain text.
  const res = await deps.runner.run({
    ...composeCommand(ctx, args),
    inherit: true,
    reject: false,
    ...(deps.term.stdout.isTTY ? {} : { lineFilter: stripVTControlCharacters }),
  });
  return res.exitCode === 130 ? 0 : res.exitCode;
}
