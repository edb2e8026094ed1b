// systemctl as the relay's health check and cmdeploy use it: is-active, is-enabled, and start/stop/restart/reload
// (recorded, otherwise no-ops). The services the stand-in's "systemd" started are listed in /run/standin-systemd.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
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
} else if (verb === 'list-units' || verb === '') {
  for (const u of list('active'))
    process.stdout.write(`  ${`${u}.service`.padEnd(40)} loaded active running ${u}\n`);
} else {
  process.stderr.write(`Unknown command verb '${verb}'.\n`);
  process.exit(1);
}
