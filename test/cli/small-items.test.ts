import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wizard } from '../helpers/cli.js';
import { tmpRoot } from '../helpers/tmp.js';

const record = (over: Record<string, unknown>) => ({
  name: 'rocketchat',
  platform: 'rocketchat',
  domain: 'chat.example.com',
  email: 'a@example.com',
  dataDir: '/opt/rocketchat',
  release: '7.13.0',
  tls: 'none',
  port: 3000,
  repoUrl: 'x',
  project: 'rocketchat',
  composeFiles: ['compose.database.yml', 'compose.yml', 'compose.wizard.yml'],
  status: 'installed',
  journal: {},
  createdAt: '2026-11-22T00:00:00Z',
  updatedAt: '2026-11-22T00:00:00Z',
  ...over,
});

function withInstalls(root: string, installs: Record<string, unknown>[]): void {
  mkdirSync(join(root, 'var/lib/wizard'), { recursive: true });
  writeFileSync(
    join(root, 'var/lib/wizard/state.json'),
    JSON.stringify({ schema: 1, installs: Object.fromEntries(installs.map((i) => [i.name, i])) }),
  );
}

describe('small things a newcomer trips on', () => {
  it('a mistyped command is named, with the command it is closest to (exit 2)', () => {
    const r = wizard(['stauts']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("error: unknown command 'stauts' (did you mean status?)");
    expect(r.stderr).not.toContain('too many arguments');
    expect(r.stderr).toContain(
      '→ Commands: install, status, doctor, upgrade, backup, restore, uninstall, self-update, logs.',
    );
    expect(wizard(['upgarde', '--check']).stderr).toContain('(did you mean upgrade?)');
    const far = wizard(['xyzzy']);
    expect(far.code).toBe(2);
    expect(far.stderr).toContain("error: unknown command 'xyzzy'\n");
    // Commands and flags still work as before.
    expect(wizard(['status'], { WIZARD_ROOT: tmpRoot() }).code).toBe(0);
  });

  it('piped `wizard logs` has no terminal escapes (Compose writes an erase-line before each line)', () => {
    const root = tmpRoot();
    withInstalls(root, [record({})]);
    mkdirSync(join(root, 'opt/rocketchat'), { recursive: true });
    // Compose's own output, as it writes it into a pipe: ESC[2K before every line.
    const bin = join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'docker'),
      `#!/bin/sh\nprintf '\\033[2Krocketchat-1  | ready on port 3000\\n\\033[2Kmongodb-1  | waiting for connections\\n'\nprintf '\\033[2Kmongodb-1  | a warning\\n' >&2\n`,
    );
    chmodSync(join(bin, 'docker'), 0o755);
    const r = wizard(['logs'], { WIZARD_ROOT: root, PATH: `${bin}:${process.env.PATH}` });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('rocketchat-1  | ready on port 3000\nmongodb-1  | waiting for connections\n');
    expect(r.stderr).toBe('mongodb-1  | a warning\n');
  });

  it('upgrade --check reports each install when there are several (exit 10 when one can upgrade)', () => {
    const root = tmpRoot();
    withInstalls(root, [
      record({}),
      record({
        name: 'mattermost',
        platform: 'mattermost',
        release: '11.7.15',
        dataDir: '/opt/mattermost',
        port: 8065,
        project: 'mattermost',
      }),
    ]);
    const r = wizard(['upgrade', '--check'], { WIZARD_ROOT: root });
    expect(r.code).toBe(10);
    expect(r.stdout).toContain('rocketchat:\n  Rocket.Chat 7.13.0 → 8.0.1 can be installed');
    expect(r.stdout).toContain('  Run: wizard upgrade rocketchat');
    expect(r.stdout).toContain('mattermost:\n  Mattermost 11.7.15 is up to date.');
    const json = wizard(['upgrade', '--check', '--json'], { WIZARD_ROOT: root });
    expect(json.code).toBe(10);
    const parsed = JSON.parse(json.stdout) as { installs: { install: string; upgradeAvailable: boolean }[] };
    expect(parsed.installs.map((i) => [i.install, i.upgradeAvailable])).toEqual([
      ['rocketchat', true],
      ['mattermost', false],
    ]);
    // Naming one still reports that one alone, as before.
    const one = JSON.parse(
      wizard(['upgrade', 'mattermost', '--check', '--json'], { WIZARD_ROOT: root }).stdout,
    );
    expect(one).toMatchObject({ install: 'mattermost', upgradeAvailable: false });
    // An upgrade itself still needs the install named.
    const run = wizard(['upgrade', '--dry-run'], { WIZARD_ROOT: root });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('There are 2 installs on this host; name one.');
  });

  it('help wraps its own text at 80 columns for a pipe, each line under its own text', () => {
    const r = wizard(['install', '--help']);
    expect(r.code).toBe(0);
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(r.stdout).toContain(
      '  2    bad input: a flag, answer or answers file, or a missing answer without a\n       terminal',
    );
    expect(r.stdout).toContain('Esc goes back one');
  });
});
