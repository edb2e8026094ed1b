import { composeCommand, parseComposePs } from '../../src/core/compose.js';
import { WizardError } from '../../src/core/errors.js';
import type { CommandSpec } from '../../src/core/plan.js';
import type { Step, StepInput } from '../../src/core/step.js';
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
export function inotifyLimits(s: StepInput): Step {
  const spec = s.planFiles.find((f) => f.path === SYSCTL_FILE);
  if (!spec) throw new WizardError(`The plan has no ${SYSCTL_FILE}.`);
  const file = s.files.real(SYSCTL_FILE);
  const leaveHost = staging((p) => s.files.real(p));
  const apply: CommandSpec = {
    file: 'sysctl',
    args: ['-p', file],
    description: 'apply the inotify limits',
    remedy:
      'Set them on the host by hand: sysctl -w fs.inotify.max_user_instances=65536 fs.inotify.max_user_watches=65536 (in an LXC or similar container, on its host).',
  };
  return {
    id: 'sysctl',
    title: 'Raise the inotify limits',
    files: [spec],
    // Under WIZARD_ROOT (a staging or test run) the host kernel is left alone: nothing to apply.
    commands: leaveHost ? [] : [apply],
    async run(_ctx, io) {
      const outcome = await io.write(spec);
      if (leaveHost)
        return `Wrote ${file} (${outcome}; not applied: WIZARD_ROOT is set, the host kernel is left alone)`;
      await io.run(apply);
      return `Raised the inotify limits (${file} ${outcome}, applied)`;
    },
  };
}

/** Shows the records the domain needs before the relay can start, with this server's addresses, and checks them (warnings). */
export function neededDnsRecords(_s: StepInput): Step {
  return {
    id: 'dns-records',
    title: 'Show the DNS records the domain needs',
    persistentOutput: true,
    async run(ctx, io) {
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
      io.output(lines.join('\n'));
      ctx.log.info(`DNS records ${domain} needs:\n${lines.join('\n')}`);
      if (!ctx.probe) return `DNS records ${domain} needs (set them at your DNS provider; not checked)`;
      if (missing.length === 0) return `DNS records ${domain} needs are set`;
      return `DNS: ${missing.length} of the ${verdicts.length} records ${domain} needs ${missing.length === 1 ? 'is' : 'are'} not set yet (set them at your DNS provider)`;
    },
  };
}

/**
 * On a re-run (the containers were started before), a relay whose setup failed before (e.g. DNS was missing) stays
 * unhealthy: its setup runs once per container start, so it is restarted to try again.
 */
export function restartFailedSetup(s: StepInput): Step[] {
  if (!s.completed.has('up')) return [];
  const ps: CommandSpec = {
    ...composeCommand(s, ['ps', '--all', '--format', 'json', SERVICE]),
    description: `the ${SERVICE} container's health`,
  };
  const restart: CommandSpec = {
    ...composeCommand(s, ['restart', SERVICE]),
    description: 'restart the relay, so its setup runs again',
    when: 'only when its last setup failed (unhealthy)',
  };
  return [
    {
      id: 'retry-setup',
      title: "Check the relay's last setup",
      commands: [ps, restart],
      async run(_ctx, io) {
        const r = await io.run(ps, { reject: false });
        const container = r.exitCode === 0 ? parseComposePs(r.stdout)[0] : undefined;
        if (container?.health !== 'unhealthy') return "The relay's last setup did not fail";
        await io.run(restart);
        return 'Restarted the relay (its last setup had failed)';
      },
    },
  ];
}

/** Runs the relay's own DNS check and turns what it reports into a zone snippet in the summary (never fails the install). */
export function relayDnsCheck(s: StepInput): Step {
  const check: CommandSpec = {
    ...composeCommand(s, DNS_CHECK),
    description: "the relay's own DNS check; what it reports goes to the summary",
  };
  return {
    id: 'dns-check',
    title: "Run the relay's DNS check",
    commands: [check],
    async run(ctx, io) {
      const again = `cd ${ctx.files.real(ctx.projectDir)} && docker compose ${DNS_CHECK.filter((a) => a !== '-T').join(' ')}`;
      const r = await io.run(check, { reject: false, timeoutMs: 120_000 });
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
  };
}
