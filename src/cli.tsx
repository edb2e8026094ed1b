#!/usr/bin/env node
/**
 * Entry point: argv -> command. The only place that ends the process or sets the exit code.
 * Kept tiny so `wizard --version` answers without loading Ink, React or listr2.
 */
import pkg from '../package.json' with { type: 'json' };

const argv = process.argv.slice(2);
// A closed pipe (`wizard status --json | head`) is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    // The terminal went away (SIGHUP): keep going without it; the log file has everything.
    if (e.code === 'EIO') return;
    throw e;
  });
}
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `✖ The wizard needs Node.js 22 or newer; this is ${process.version}.\n  → Run it with the Node that install.sh sets up, or from a checkout with: npm run --silent wizard -- ARGS\n`,
  );
  process.exitCode = 1;
} else if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${pkg.version}\n`);
} else {
  // NO_COLOR (https://no-color.org): chalk and colorette read FORCE_COLOR; set it before they load.
  if (process.env.NO_COLOR) process.env.FORCE_COLOR = '0';
  const { main } = await import('./main.js');
  process.exitCode = await main(argv, pkg.version);
}
