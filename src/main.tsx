// over 300 lines: every subcommand's flags and --help text in one commander table, read as one (each command's work is in src/commands).

import { Command, CommanderError, Option } from 'commander';
import { platforms } from '../steps/index.js';
import { registerDayTwo } from './commands/day-two-cli.js';
import type { Deps } from './commands/deps.js';
import { lockOrWait } from './commands/lock-wait.js';
import { ExitCode, isWizardError } from './core/errors.js';
import { environmentalError } from './core/fs-errors.js';
import { redactUrlCredentials } from './core/redact.js';
import { closest, wrapText } from './core/text.js';
import { templateLoader } from './system/assets.js';
import { composePlugin } from './system/compose-plugin.js';
import { buildEnvironment } from './system/environment.js';
import { RealFileStore } from './system/files.js';
import { RealHostProbe } from './system/host.js';
import { FetchHttpClient } from './system/http.js';
import { acquireLock } from './system/lock.js';
import { FileLogger } from './system/log.js';
import { NetProbe } from './system/netprobe.js';
import { ExecaRunner } from './system/runner.js';
import { onInterrupt, type Session } from './system/signals.js';
import { StateStore } from './system/state.js';

const EXIT_CODES = `Exit codes (install):
  0    done
  1    a step failed (the error names it; a re-run continues from there)
  2    bad input: a flag, answer or answers file, or a missing answer without a terminal
  3    a prerequisite check failed (see --ignore-check)
  4    another wizard run is changing this server (it is named)
  130  cancelled (Ctrl-C, or "no" at the review)`;

function makeDeps(command: string, version: string, interrupt?: AbortSignal, session?: Session): Deps {
  const env = buildEnvironment(process.env, {
    stdin: Boolean(process.stdin.isTTY),
    stderr: Boolean(process.stderr.isTTY),
  });
  const log = new FileLogger(env.logDir, command);
  const runner = new ExecaRunner(log, interrupt);
  const compose = composePlugin(process.env);
  if (compose) runner.runComposeAs(compose);
  let state: StateStore | undefined;
  const http = new FetchHttpClient(interrupt);
  return {
    env,
    term: {
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      interactive: env.interactive,
    },
    runner,
    files: new RealFileStore(env.hostPath),
    http,
    probe: Object.assign(new RealHostProbe(runner, env.hostPath, { env: env.env, http }), {
      readiness: new NetProbe({ runner, env: env.env }),
    }),
    probeAfterChange: () =>
      Object.assign(new RealHostProbe(runner, env.hostPath, { env: env.env, http }), {
        readiness: new NetProbe({ runner, env: env.env }),
      }),
    log,
    state: () => {
      state ??= new StateStore(env.stateDir);
      return state;
    },
    templates: templateLoader(),
    platforms,
    version,
    ...(session ? { session } : {}),
  };
}

function installOptions(cmd: Command): Command {
  const ids = platforms.map((p) => p.id);
  cmd
    .addOption(new Option('--platform <id>', 'chat platform').choices(ids).env('WIZARD_PLATFORM'))
    .option('--domain <domain>', 'domain users will open (FQDN; an IP or localhost only with --tls none)')
    .option('--email <email>', "email for Let's Encrypt and the first admin")
    .option('--version <release>', 'platform release (default: the newest tested one)')
    .option('--data-dir <path>', 'where the install lives (default /opt/<platform>)')
    .option(
      '--tls <mode>',
      'letsencrypt | selfsigned | none (none: no proxy; the app listens on 127.0.0.1:--port)',
    )
    .option('--port <port>', "app port on 127.0.0.1 (default: the platform's, e.g. 3000)")
    .option('--repo-url <url>', "clone the platform's compose repository from this URL or path (a mirror)")
    .option('--name <name>', 'install name, for several installs on one host (default: the platform id)')
    .option('--offline', 'never pull; use images already on this host')
    .option(
      '--ignore-check <id>',
      'go on although this prerequisite check fails (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      '--answers <file>',
      'read answers from a YAML or JSON file (keys as the flags: domain, data-dir, ...)',
    )
    .option('-y, --yes', 'do not ask: take defaults and go ahead after the review')
    .option('--dry-run', 'show every file and command, change nothing');
  // Platforms may share a flag (e.g. --admin-username): it is declared once, naming the platforms it applies to;
  // each platform validates its own answer, and one that does not apply to the platform chosen is refused.
  const declared = new Map<string, { description: string; titles: string[] }>();
  for (const p of platforms)
    for (const q of p.questions) {
      const d = declared.get(q.flag) ?? { description: q.description, titles: [] };
      d.titles.push(p.title);
      declared.set(q.flag, d);
    }
  for (const [flag, d] of declared)
    cmd.option(`${flag} <value>`, `${d.description} [${d.titles.join(', ')}]`);
  return cmd;
}

/** Help text after commander's own, wrapped at the terminal's width (80 for a pipe), as commander wraps its part. */
const wrapped = (text: string) => () =>
  wrapText(text, process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 80);

export async function main(argv: string[], version: string): Promise<number> {
  let deps: Deps | undefined;
  const interrupt = new AbortController();
  const { stop: stopListening, session } = onInterrupt(interrupt, () => deps?.log);
  const waiting = { signal: interrupt.signal };
  const program = new Command('wizard')
    .description(
      'Turns this server into a self-hosted chat server (Rocket.Chat, Mattermost, Mastodon or a chatmail relay) with Docker Compose, and keeps it healthy.',
    )
    .helpOption('-h, --help', 'show help')
    .addHelpText(
      'after',
      wrapped(
        `\n  -V, --version    print the wizard's version\n\nEnvironment: every install flag is also WIZARD_<NAME> (e.g. WIZARD_DOMAIN); WIZARD_ROOT prefixes every host path.\n\n${EXIT_CODES}`,
      ),
    )
    .exitOverride()
    // Descriptions wrap at the terminal's width down to 20 columns of room (commander's default gives up at 40).
    .configureHelp({ minWidthToWrap: 20 })
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(s),
    })
    .showSuggestionAfterError(true)
    // A subcommand's options are its own (`backup list --json` is list's --json, not backup's).
    .enablePositionalOptions();

  const install = installOptions(program.command('install', { isDefault: true }))
    .description('install a chat platform (the default command); re-run to repair or continue')
    .addHelpText(
      'after',
      wrapped(
        `\nQuestions: Enter takes the answer or the default shown, Esc goes back one question, Ctrl-C quits.\n\nExamples:\n  wizard                                   ask everything in a terminal\n  wizard install --platform rocketchat --domain chat.example.com --email admin@example.com --yes\n  wizard install --answers answers.yml --dry-run\n\n${EXIT_CODES}`,
      ),
    )
    .action(async (opts: Record<string, unknown>) => {
      deps = makeDeps('install', version, interrupt.signal, session);
      const { installCommand } = await import('./commands/install.js');
      const flags: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(opts)) if (v !== undefined) flags[k] = v;
      // --dry-run changes nothing, so it needs no lock (installCommand takes it after the input is judged). Another
      // run holding it is waited for, its progress shown.
      const d = deps;
      await installCommand(flags, deps, {
        lock: () => lockOrWait(d, () => acquireLock(d.env.stateDir, 'install'), waiting),
      });
    });
  void install;

  program
    .command('status')
    .description("list installs on this host with their containers' state")
    .argument('[install]', 'an install name or domain')
    .option('--json', 'print JSON (machine-readable) on stdout')
    .action(async (name: string | undefined, opts: { json?: boolean }) => {
      deps = makeDeps('status', version, interrupt.signal);
      const { statusCommand } = await import('./commands/status.js');
      await statusCommand({ ...opts, ...(name ? { install: name } : {}) }, deps);
    });

  let exitCode: number = ExitCode.ok;
  program
    .command('doctor')
    .description('diagnose the host and each install: findings with evidence and the command that fixes them')
    .argument('[install]', 'an install name or domain (default: every install)')
    .option('--json', 'print the findings as JSON on stdout, nothing else')
    .option(
      '--fix',
      'apply safe remedies (start stopped containers, fix file modes, wait for readiness) and say what was done',
    )
    .option('--bundle <file>', 'write a tar.gz report safe to share (secrets and email addresses redacted)')
    .addHelpText('after', wrapped('\nExit codes: 0 all good, 1 warnings only, 2 failures (or bad input).'))
    .action(async (name: string | undefined, opts: { json?: boolean; fix?: boolean; bundle?: string }) => {
      deps = makeDeps('doctor', version, interrupt.signal);
      const { doctorCommand } = await import('./commands/doctor.js');
      // Another run holding the lock is waited for, its progress shown.
      const d = deps;
      exitCode = await doctorCommand(
        { ...opts, ...(name ? { install: name } : {}) },
        deps,
        opts.fix
          ? { lock: () => lockOrWait(d, () => acquireLock(d.env.stateDir, 'doctor --fix'), waiting) }
          : {},
      );
    });
  program
    .command('upgrade')
    .description(
      "upgrade an install to a newer release: its platform's path rules, backup, pull before stop, automatic rollback",
    )
    .argument('[install]', 'an install name or domain (may be omitted when the host has one)')
    .option('--to <version>', 'the release to reach (default: the newest known)')
    .option(
      '--check',
      'only report: current, next allowed step, newest (exit 0 up to date, 10 upgrade available)',
    )
    .option('-y, --yes', 'do not ask')
    .option('--dry-run', 'show the path and what would be done, change nothing')
    .option('--no-backup', 'skip the backup (asks for confirmation unless --yes)')
    .option(
      '--offline',
      'use images already on this host; no release feed (its last fetch, else the shipped list)',
    )
    .option('--json', 'with --check: print JSON')
    .addHelpText(
      'after',
      wrapped(
        [
          '',
          "Releases come from the platform's registry or release feed (cached; the list shipped with the wizard when neither answers). An upgrade that was interrupted (killed, power loss) is settled first on the next run: resumed, recorded as done if the new release answers, or rolled back.",
          '',
          'Without an install named, --check reports each install on this host.',
          '',
          'Exit codes: 0 done or up to date, 10 (--check) an upgrade is available, 1 failed (rolled back when it could), 2 bad input.',
        ].join('\n'),
      ),
    )
    .action(
      async (
        name: string | undefined,
        opts: {
          to?: string;
          check?: boolean;
          yes?: boolean;
          dryRun?: boolean;
          backup?: boolean;
          offline?: boolean;
          json?: boolean;
        },
      ) => {
        deps = makeDeps('upgrade', version, interrupt.signal, session);
        const { upgradeCommand } = await import('./commands/upgrade.js');
        const d = deps;
        exitCode = await upgradeCommand(
          { ...opts, ...(name ? { install: name } : {}) },
          deps,
          !opts.check && !opts.dryRun
            ? { lock: () => lockOrWait(d, () => acquireLock(d.env.stateDir, 'upgrade'), waiting) }
            : {},
        );
      },
    );
  // backup (list, verify), restore, uninstall: src/commands/day-two-cli.ts
  registerDayTwo(program, {
    deps: (command) => {
      deps = makeDeps(command, version, interrupt.signal, session);
      return deps;
    },
    exit: (code) => {
      exitCode = code;
    },
    // Another run holding the lock is waited for, its progress shown (WIZARD_LOCK_WAIT=0 refuses).
    lock: (d, command) => lockOrWait(d, () => acquireLock(d.env.stateDir, command), waiting),
  });
  program
    .command('self-update')
    .description('replace the wizard with the newest published release (through its verified install.sh)')
    .option('--check', 'only say whether a newer wizard is published (exit 10 when it is)')
    .option('--json', 'with --check: print JSON')
    .action(async (opts: { check?: boolean; json?: boolean }) => {
      deps = makeDeps('self-update', version, interrupt.signal);
      const { selfUpdateCommand } = await import('./commands/self-update.js');
      const d = deps;
      if (!opts.check) await lockOrWait(d, () => acquireLock(d.env.stateDir, 'self-update'), waiting);
      exitCode = await selfUpdateCommand(opts, deps);
    });
  program
    .command('logs')
    .description("show an install's container logs")
    .argument('[install]', 'an install name or domain (may be omitted when the host has one)')
    .argument('[service]', 'one service, e.g. rocketchat or mongodb')
    .option('-f, --follow', 'keep printing new lines')
    .option('--tail <n>', 'lines from the end of each log (or all)', '100')
    .action(
      async (
        install: string | undefined,
        service: string | undefined,
        opts: { follow?: boolean; tail?: string },
      ) => {
        deps = makeDeps('logs', version, interrupt.signal);
        const { logsCommand } = await import('./commands/logs.js');
        exitCode = await logsCommand(
          { ...opts, ...(install ? { install } : {}), ...(service ? { service } : {}) },
          deps,
        );
      },
    );

  // `install` is the default command, so a mistyped command would reach it as an argument ("too many
  // arguments for 'install'"): a first word that is no command is named, with the command it is closest to.
  const first = argv[0];
  if (first !== undefined && !first.startsWith('-')) {
    const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
    if (!names.includes(first) && first !== 'help') {
      const near = closest(first, names);
      process.stderr.write(
        `error: unknown command '${first}'${near ? ` (did you mean ${near}?)` : ''}\n  → Commands: ${names.join(', ')}. See \`wizard --help\`.\n`,
      );
      stopListening();
      return ExitCode.usage;
    }
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    if (interrupt.signal.aborted) throw interrupt.signal.reason;
    return exitCode;
  } catch (caught) {
    // Whatever failed after a signal failed because of it: report the interruption.
    const e = interrupt.signal.aborted ? interrupt.signal.reason : caught;
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.help' ||
        e.code === 'commander.version'
      )
        return ExitCode.ok;
      process.stderr.write('  → See `wizard --help` or `wizard install --help` for the flags.\n');
      return ExitCode.usage;
    }
    const [{ ErrorBanner }, { printStatic }] = await Promise.all([
      import('./ui/ErrorBanner.js'),
      import('./ui/screens.js'),
    ]);
    const logPath = deps?.log.path;
    // Error text can quote a command's output or a value: it goes through the run's redactor like the log.
    const redact = (t: string) => (deps ? deps.log.redact(t) : redactUrlCredentials(t));
    // A read-only or full disk, a refused permission: the machine's failure, with its cause and remedy.
    const known = isWizardError(e) ? e : environmentalError(e, { asRoot: process.getuid?.() === 0 });
    if (known) {
      // Bad input changed nothing, so it leaves no log file behind either.
      if (known.exitCode !== ExitCode.usage)
        deps?.log.error(`${known.name}: ${known.message}${known.remedy ? ` | remedy: ${known.remedy}` : ''}`);
      printStatic(
        <ErrorBanner
          message={redact(known.message)}
          {...(known.remedy ? { remedy: redact(known.remedy) } : {})}
          {...(logPath && known.exitCode !== ExitCode.usage ? { logPath } : {})}
        />,
        process.stderr,
      );
      return known.exitCode;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    deps?.log.error(err.stack ?? err.message);
    printStatic(
      <ErrorBanner
        message={`Unexpected error: ${redact(err.message)}`}
        remedy="This is a bug in the wizard; please report it with the log."
        {...(logPath ? { logPath } : {})}
      />,
      process.stderr,
    );
    return ExitCode.failed;
  } finally {
    stopListening();
  }
}
