import type { ListrTask } from 'listr2';
import { composeCommand, parseComposePs } from '../../src/core/compose.js';
import type { InstallContext } from '../../src/core/context.js';
import { WizardError } from '../../src/core/errors.js';
import { formatCommand } from '../../src/core/plan.js';
import { step } from '../../src/core/tasks.js';
import {
  checkNeededRecords,
  neededRecords,
  parseRelayDnsCheck,
  relayDnsSnippet,
  serverAddresses,
} from './dns.js';

/** upstream's file name (chatmail/docker README, "Configure kernel parameters"). */
export const SYSCTL_FILE = '/etc/sysctl.d/99-inotify.conf';
export const SERVICE = 'chatmail';
/** The relay's own DNS check, run inside its container (chatmail/docker README, "Check and extend DNS records"). */
export const DNS_CHECK = ['exec', '-T', SERVICE, 'cmdeploy', 'dns', '--ssh-host', '@local'];

/** A non-default WIZARD_ROOT is a staging or test run: it never changes the host's kernel. */
export const staging = (real: (p: string) => string) => real(SYSCTL_FILE) !== SYSCTL_FILE;

/** Writes the inotify limits to /etc/sysctl.d and applies them with `sysctl -p FILE` (not under WIZARD_ROOT). */
export function inotifyLimits(): ListrTask<InstallContext> {
  return step(
    'sysctl',
    'Raise the inotify limits',
    async (ctx, task) => {
      const spec = ctx.plan.files.find((f) => f.path === SYSCTL_FILE);
      if (!spec) throw new WizardError(`The plan has no ${SYSCTL_FILE}.`);
      const outcome = await ctx.files.write(spec);
      const file = ctx.files.real(SYSCTL_FILE);
      if (staging((p) => ctx.files.real(p)))
        return `Wrote ${file} (${outcome}; not applied: WIZARD_ROOT is set, the host kernel is left alone)`;
      await ctx.runner.run(
        {
          file: 'sysctl',
          args: ['-p', file],
          remedy:
            'Set them on the host by hand: sysctl -w fs.inotify.max_user_instances=65536 fs.inotify.max_user_watches=65536 (in an LXC or similar container, on its host).',
        },
        {
          signal: task.signal,
          onLine: (l) => {
            task.output = l;
          },
        },
      );
      return `Raised the inotify limits (${file} ${outcome}, applied)`;
    },
    {
      dryRun: (ctx) =>
        `write ${ctx.files.real(SYSCTL_FILE)} and ${staging((p) => ctx.files.real(p)) ? 'leave the host kernel alone (WIZARD_ROOT is set)' : 'apply it with sysctl -p'}`,
    },
  );
}

/** Shows the records the domain needs before the relay can start, with this server's addresses, and checks them (warnings). */
export function neededDnsRecords(): ListrTask<InstallContext> {
  return {
    ...step(
      'dns-records',
      'Show the DNS records the domain needs',
      async (ctx, task) => {
        const domain = ctx.answers.domain;
        const addrs = serverAddresses((await ctx.probe?.publicAddresses()) ?? []);
        if (!ctx.templates)
          throw new WizardError('The wizard has no templates to render the DNS records from.');
        const zone = neededRecords(ctx.templates('chatmail/dns.zone'), domain, addrs).trimEnd();
        const verdicts = ctx.probe ? await checkNeededRecords(ctx.probe, domain, addrs) : [];
        const missing = verdicts.filter((v) => !v.ok);
        const lines = [
          zone,
          ...(addrs.ipv4Private
            ? [
                `⚠ ${addrs.ipv4} is a private address: if this server is behind NAT, use its public IPv4 instead.`,
              ]
            : []),
          ...verdicts.map((v) => `${v.ok ? '✔' : '⚠'} ${v.detail}`),
        ];
        task.output = lines.join('\n');
        ctx.log.info(`DNS records ${domain} needs:\n${lines.join('\n')}`);
        if (!ctx.probe) return `DNS records ${domain} needs (set them at your DNS provider; not checked)`;
        if (missing.length === 0) return `DNS records ${domain} needs are set`;
        return `DNS: ${missing.length} of the ${verdicts.length} records ${domain} needs ${missing.length === 1 ? 'is' : 'are'} not set yet (set them at your DNS provider)`;
      },
      { dryRun: (ctx) => `show and look up the A, AAAA, www and mta-sts records of ${ctx.answers.domain}` },
    ),
    rendererOptions: { persistentOutput: true },
  };
}

/**
 * On a re-run (the containers were started before), a relay whose setup failed before (e.g. DNS was missing) stays unhealthy: its setup runs
 * once per container start, so it is restarted to try again.
 */
export function restartFailedSetup(rerun: boolean): ListrTask<InstallContext> {
  return step(
    'retry-setup',
    "Check the relay's last setup",
    async (ctx, task) => {
      const ps = await ctx.runner.run(
        { ...composeCommand(ctx, ['ps', '--all', '--format', 'json', SERVICE]), reject: false },
        { signal: task.signal },
      );
      const container = ps.exitCode === 0 ? parseComposePs(ps.stdout)[0] : undefined;
      if (container?.health !== 'unhealthy') return "The relay's last setup did not fail";
      await ctx.runner.run(composeCommand(ctx, ['restart', SERVICE]), { signal: task.signal });
      return 'Restarted the relay (its last setup had failed)';
    },
    { enabled: () => rerun, dryRun: () => `restart the ${SERVICE} container if it is unhealthy` },
  );
}

/** Runs the relay's own DNS check and turns what it reports into a zone snippet in the summary (never fails the install). */
export function relayDnsCheck(): ListrTask<InstallContext> {
  return step(
    'dns-check',
    "Run the relay's DNS check",
    async (ctx, task) => {
      const cmd = composeCommand(ctx, DNS_CHECK);
      const again = `cd ${ctx.files.real(ctx.projectDir)} && docker compose ${DNS_CHECK.filter((a) => a !== '-T').join(' ')}`;
      const r = await ctx.runner.run({ ...cmd, reject: false, timeoutMs: 120_000 }, { signal: task.signal });
      const report = parseRelayDnsCheck(r.stdout, r.stderr);
      const snippet = relayDnsSnippet(report);
      if (snippet) {
        ctx.notes.push(
          `Set these DNS records at your DNS provider (the relay's own check, cmdeploy dns, reports them missing):\n${snippet}`,
        );
      }
      if (report.problems.length) ctx.notes.push(`The relay's DNS check says: ${report.problems.join(' ')}`);
      if (report.allSet) return "The relay's DNS check: every record is set";
      if (!snippet && r.exitCode !== 0) {
        const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-3).join(' ');
        ctx.notes.push(
          `The relay's DNS check did not run (exit code ${r.exitCode}${tail ? `: ${tail}` : ''}). Run it later: ${again}`,
        );
        return "The relay's DNS check did not run (see the summary)";
      }
      const { required, recommended } = report;
      return `The relay's DNS check: ${required.length} required and ${recommended.length} recommended record${recommended.length === 1 ? '' : 's'} to set (see the summary)`;
    },
    { dryRun: (ctx) => `run: ${formatCommand(composeCommand(ctx, DNS_CHECK))}` },
  );
}
