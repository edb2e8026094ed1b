// Command-line options as the PostgreSQL tools read them: bundled short flags (-tAc SQL, -Umastodon), long ones
// with = or a separate value. `valued` lists the letters and long names that take a value.
export function parseOptions(argv, valued, aliases = {}) {
  const opts = {};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split(/=(.*)/s);
      const key = aliases[name] ?? name;
      opts[key] = valued.includes(key) ? (inline ?? argv[++i]) : true;
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const key = aliases[arg[j]] ?? arg[j];
        if (!valued.includes(key)) {
          opts[key] = true;
          continue;
        }
        opts[key] = arg.slice(j + 1) || argv[++i];
        break;
      }
    } else positional.push(arg);
  }
  return { opts, positional };
}

/** Where a tool connects: -h HOST, else the local socket (reached over 127.0.0.1 inside the container). */
export function target(opts) {
  const host = opts.host ?? process.env.PGHOST;
  const port = Number(opts.port ?? process.env.PGPORT ?? 5432);
  const socket = !host || host.startsWith('/');
  return {
    host: socket ? '127.0.0.1' : host,
    port,
    socket,
    label: socket ? `${host || '/var/run/postgresql'}:${port}` : `${host}:${port}`,
  };
}
