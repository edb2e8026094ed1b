// systemctl as the relay's health check and cmdeploy use it: is-active, is-enabled, and start/stop/restart/reload
// (recorded; stop makes a unit inactive, start and restart active again). The services the stand-in's "systemd" started are listed in /run/standin-systemd.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { SYSTEMD_STATE } from './relay.mjs';

const [verb = '', ...units] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const list = (name) =>
  existsSync(`${SYSTEMD_STATE}/${name}`)
    ? readFileSync(`${SYSTEMD_STATE}/${name}`, 'utf8').split('\n').filter(Boolean)
    : [];
const base = (u) => u.replace(/\.service$/, '');

if (verb === 'is-active') {
  const active = new Set(list('active'));
  let ok = true;
  for (const u of units) {
    const on = active.has(base(u));
    ok &&= on;
    process.stdout.write(`${on ? 'active' : 'inactive'}\n`);
  }
  process.exit(ok && units.length > 0 ? 0 : 3);
} else if (verb === 'is-enabled') {
  // iroh-relay and turnserver are optional upstream; the stand-in runs neither.
  const enabled = new Set([...list('active'), ...list('enabled')]);
  let ok = true;
  for (const u of units) {
    const on = enabled.has(base(u));
    ok &&= on;
    process.stdout.write(`${on ? 'enabled' : 'disabled'}\n`);
  }
  process.exit(ok && units.length > 0 ? 0 : 1);
} else if (['start', 'stop', 'restart', 'reload', 'daemon-reload'].includes(verb)) {
  mkdirSync(SYSTEMD_STATE, { recursive: true });
  appendFileSync(`${SYSTEMD_STATE}/calls`, `${verb} ${units.join(' ')}\n`);
  // `stop UNIT` makes it inactive (still enabled, so the health check fails as upstream's would); start and
  // restart make it active again: a test makes one service inactive with `docker compose exec chatmail systemctl stop dovecot`.
  const active = list('active');
  const named = units.map(base);
  if (verb === 'stop') {
    writeFileSync(
      `${SYSTEMD_STATE}/active`,
      active
        .filter((u) => !named.includes(u))
        .map((u) => `${u}\n`)
        .join(''),
    );
    const enabled = list('enabled');
    appendFileSync(
      `${SYSTEMD_STATE}/enabled`,
      named
        .filter((u) => !enabled.includes(u))
        .map((u) => `${u}\n`)
        .join(''),
    );
  } else if (verb === 'start' || verb === 'restart') {
    appendFileSync(
      `${SYSTEMD_STATE}/active`,
      named
        .filter((u) => !active.includes(u))
        .map((u) => `${u}\n`)
        .join(''),
    );
  }
} else if (verb === 'list-units' || verb === '') {
  for (const u of list('active'))
    process.stdout.write(`  ${`${u}.service`.padEnd(40)} loaded active running ${u}\n`);
} else {
  process.stderr.write(`Unknown command verb '${verb}'.\n`);
  process.exit(1);
}
