// Small process helpers shared by the stand-ins.

/**
 * Exits on SIGTERM/SIGINT after running cleanup. The stand-ins run as PID 1 in their containers, where signals
 * without a handler are ignored, so without this `docker stop` would wait for its SIGKILL timeout.
 */
export function exitOnSignals(cleanup = () => {}) {
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.once(signal, async () => {
      try {
        await cleanup(signal);
      } finally {
        process.exit(0);
      }
    });
  }
}

/**
 * Reads `--name value`, `--name=value`, `-name value` and bare flags. `flags` lists the options that take no
 * value. Returns { opts: {name: value|true}, positional: [...] }.
 */
export function parseFlags(argv, flags = []) {
  const opts = {};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(arg);
    if (!m || arg === '-') {
      positional.push(arg);
    } else if (m[2] !== undefined) {
      opts[m[1]] = m[2];
    } else if (flags.includes(m[1]) || i + 1 >= argv.length || argv[i + 1].startsWith('-')) {
      opts[m[1]] = true;
    } else {
      opts[m[1]] = argv[++i];
    }
  }
  return { opts, positional };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
