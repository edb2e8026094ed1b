import { composeCommand } from '../core/compose.js';
import { type Finding, type InstallFacts, redactEmails } from '../core/doctor.js';
import { newestLogTails, readTextOr, writeTarGz } from '../system/bundle.js';
import type { InstallRecord } from '../system/state.js';
import type { Deps } from './deps.js';
import { composeOfRecord } from './record.js';

/**
 * `doctor --bundle FILE`: what a helper asks for, in one archive (findings, versions, state, each install's
 * compose config and container logs, the wizard's newest logs), secrets and email addresses redacted.
 */
export async function writeBundle(
  deps: Deps,
  file: string,
  findings: Finding[],
  records: InstallRecord[],
  facts: (InstallFacts & { secrets: string[] })[],
): Promise<void> {
  for (const s of facts.flatMap((f) => f.secrets)) deps.log.addSecret(s);
  const redact = (text: string) => redactEmails(deps.log.redact(text));
  const entries: [string, string][] = [];
  entries.push([
    'findings.json',
    JSON.stringify(
      findings.map(({ fix, ...f }) => f),
      null,
      2,
    ),
  ]);
  const docker = await deps.runner
    .run({ file: 'docker', args: ['version'], reject: false, timeoutMs: 10_000 })
    .catch(() => undefined);
  entries.push([
    'versions.txt',
    `wizard ${deps.version}\n${records.map((r) => `${r.name}: ${r.platform} ${r.release}`).join('\n')}\n\n${docker?.stdout ?? ''}`,
  ]);
  entries.push(['state.json', await readTextOr(deps.state().path, '{}')]);
  for (const r of records) {
    const cfg = await deps.runner
      .run({ ...composeCommand(composeOfRecord(deps, r), ['config']), reject: false, timeoutMs: 10_000 })
      .catch(() => undefined);
    entries.push([`${r.name}/compose-config.yml`, cfg?.stdout ?? '']);
    entries.push([`${r.name}/container-logs.txt`, facts.find((f) => f.name === r.name)?.logs ?? '']);
  }
  for (const [name, text] of await newestLogTails(deps.env.logDir, 20, 2000))
    entries.push([`wizard-logs/${name}`, text]);
  deps.term.stderr.write(
    `The bundle holds (secrets and email addresses replaced by [redacted] / [email]):\n${entries.map(([n]) => `  ${n}`).join('\n')}\n`,
  );
  await writeTarGz(
    deps.runner,
    file,
    entries.map(([name, content]) => [name, redact(content)]),
  );
  deps.term.stderr.write(`Wrote ${file} (mode 0600). Read it before you share it.\n`);
}
