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
    throw e;
  });
}
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${pkg.version}\n`);
} else {
  // NO_COLOR (https://no-color.org): chalk and colorette read FORCE_COLOR; set it before they load.
  if (process.env.NO_COLOR) process.env.FORCE_COLOR = '0';
  const { main } = await import('./main.js');
  process.exitCode = await main(argv, pkg.version);
}
