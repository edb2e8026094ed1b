import { Command, CommanderError, Option } from 'commander';
import { platforms } from '../steps/index.js';
import { ExitCode, isWizardError } from './core/errors.js';
import type { Deps } from './commands/deps.js';
import { templateLoader } from './system/assets.js';
import { buildEnvironment } from './system/environment.js';
import { RealFileStore } from './system/files.js';
import { RealHostProbe } from './system/host.js';
import { FetchHttpClient } from './system/http.js';
import { FileLogger } from './system/log.js';
import { ExecaRunner } from './system/runner.js';
import { StateStore } from './system/state.js';

const EXIT_CODES = `Exit codes:
  0    done
  1    a step failed (the error names it; a re-run continues from there)
  2    bad input: a flag, answer or answers file, or a missing answer without a terminal
  3    a prerequisite check failed (see --ignore-check)
  130  cancelled (Ctrl-C, or "no" at the review)`;

function makeDeps(command: string, version: string): Deps {
  const env = buildEnvironment(process.env, { stdin: Boolean(process.stdin.isTTY), stderr: Boolean(process.stderr.isTTY) });
  const log = new FileLogger(env.logDir, command);
  const runner = new ExecaRunner(log);
  let state: StateStore | undefined;
  return {
    env,
    term: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, interactive: env.interactive },
    runner,
    files: new RealFileStore(env.hostPath),
    http: new FetchHttpClient(),
    probe: new RealHostProbe(runner, env.hostPath),
    probeAfterChange: () => new RealHostProbe(runner, env.hostPath),
    log,
    state: () => {
      state ??= new StateStore(env.stateDir);
      return state;
    },
    templates: templateLoader(),
    platforms,
    version,
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
    .option('--tls <mode>', 'letsencrypt | selfsigned | none (none: no proxy; the app listens on 127.0.0.1:--port)')
    .option('--port <port>', 'app port on 127.0.0.1 (default: the platform\'s, e.g. 3000)')
    .option('--repo-url <url>', "clone the platform's compose repository from this URL or path (a mirror)")
    .option('--name <name>', 'install name, for several installs on one host (default: the platform id)')
    .option('--offline', 'never pull; use images already on this host')
    .option('--ignore-check <id>', 'go on although this prerequisite check fails (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--answers <file>', 'read answers from a YAML or JSON file (keys as the flags: domain, data-dir, ...)')
    .option('-y, --yes', 'do not ask: take defaults and go ahead after the review')
    .option('--dry-run', 'show every file and command, change nothing');
  for (const p of platforms) for (const q of p.questions) cmd.option(`${q.flag} <value>`, `${q.description}`);
  return cmd;
}

export async function main(argv: string[], version: string): Promise<number> {
  let deps: Deps | undefined;
  const program = new Command('wizard')
    .description('Turns this server into a self-hosted chat server: Rocket.Chat, with Docker Compose.')
    .helpOption('-h, --help', 'show help')
    .addHelpText('after', `\n  -V, --version    print the wizard's version\n\nEnvironment: every install flag is also WIZARD_<NAME> (e.g. WIZARD_DOMAIN); WIZARD_ROOT prefixes every host path.\n\n${EXIT_CODES}`)
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s), outputError: (s, write) => write(s) })
    .showSuggestionAfterError(true);

  const install = installOptions(program.command('install', { isDefault: true }))
    .description('install a chat platform (the default command); re-run to repair or continue')
    .addHelpText('after', `\nExamples:\n  wizard                                   ask everything in a terminal\n  wizard install --platform rocketchat --domain chat.example.com --email admin@example.com --yes\n  wizard install --answers answers.yml --dry-run\n\n${EXIT_CODES}`)
    .action(async (opts: Record<string, unknown>) => {
      deps = makeDeps('install', version);
      const { installCommand } = await import('./commands/install.js');
      const flags: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(opts)) if (v !== undefined) flags[k] = v;
      await installCommand(flags, deps);
    });
  void install;

  program
    .command('status')
    .description('list installs on this host with their containers\' state')
    .argument('[install]', 'an install name or domain')
    .option('--json', 'print JSON (machine-readable) on stdout')
    .action(async (name: string | undefined, opts: { json?: boolean }) => {
      deps = makeDeps('status', version);
      const { statusCommand } = await import('./commands/status.js');
      await statusCommand({ ...opts, ...(name ? { install: name } : {}) }, deps);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return ExitCode.ok;
      process.stderr.write("  → See `wizard --help` or `wizard install --help` for the flags.\n");
      return ExitCode.usage;
    }
    const [{ ErrorBanner }, { printStatic }] = await Promise.all([import('./ui/ErrorBanner.js'), import('./ui/screens.js')]);
    const logPath = deps?.log.path;
    if (isWizardError(e)) {
      // Bad input changed nothing, so it leaves no log file behind either.
      if (e.exitCode !== ExitCode.usage) deps?.log.error(`${e.name}: ${e.message}${e.remedy ? ` | remedy: ${e.remedy}` : ''}`);
      printStatic(<ErrorBanner message={e.message} {...(e.remedy ? { remedy: e.remedy } : {})} {...(logPath && e.exitCode !== ExitCode.usage ? { logPath } : {})} />, process.stderr);
      return e.exitCode;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    deps?.log.error(err.stack ?? err.message);
    printStatic(<ErrorBanner message={`Unexpected error: ${err.message}`} remedy="This is a bug in the wizard; please report it with the log." {...(logPath ? { logPath } : {})} />, process.stderr);
    return ExitCode.failed;
  }
}
