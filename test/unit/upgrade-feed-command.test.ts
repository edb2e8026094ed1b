import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../src/commands/deps.js';
import { upgradeCommand } from '../../src/commands/upgrade.js';
import type { HttpClient } from '../../src/core/context.js';
import { UserError } from '../../src/core/errors.js';
import { RealFileStore } from '../../src/system/files.js';
import { StateStore } from '../../src/system/state.js';
import { platforms } from '../../steps/index.js';
import { FakeRunner } from '../helpers/fake-runner.js';
import { tmpRoot } from '../helpers/tmp.js';

const recorded = (name: string) => readFileSync(join(import.meta.dirname, 'feeds', name), 'utf8');
const HUB = 'https://hub.docker.com/v2/repositories/mattermost/mattermost-team-edition/tags?page_size=100';

/** `wizard upgrade` on a recorded Mattermost 10.11.23 install, its feed answering from the recorded Docker Hub pages. */
async function setup(feedUp = true) {
  const root = tmpRoot('wizard-upgrade-feed-');
  const stateDir = join(root, 'var/lib/wizard');
  const state = new StateStore(stateDir);
  const now = '2026-11-22T04:00:00.000Z';
  await state.put({
    name: 'mattermost',
    platform: 'mattermost',
    domain: 'localhost',
    email: 'admin@example.com',
    dataDir: '/opt/mattermost',
    release: '10.11.23',
    tls: 'none',
    port: 8065,
    repoUrl: 'https://github.com/mattermost/docker.git',
    project: 'mattermost',
    composeFiles: ['docker-compose.yml', 'docker-compose.without-nginx.yml'],
    status: 'installed',
    journal: {},
    createdAt: now,
    updatedAt: now,
  });
  // The install's env file, as the current layout writes it (upgrade refuses one without the release key).
  mkdirSync(join(root, 'opt/mattermost'), { recursive: true });
  writeFileSync(join(root, 'opt/mattermost/.env'), 'MATTERMOST_IMAGE_TAG=10.11.23\n', { mode: 0o600 });
  const requests: string[] = [];
  const http: HttpClient = {
    async request(url) {
      requests.push(url);
      if (!feedUp) throw new Error('connection refused');
      const page = url === HUB ? 1 : Number(/&page=(\d)$/.exec(url)?.[1]);
      return { status: 200, body: recorded(`dockerhub-mattermost-team-edition-page${page}.json`) };
    },
  };
  let stdout = '';
  let stderr = '';
  const deps = {
    platforms,
    state: () => state,
    http,
    files: new RealFileStore((p: string) => join(root, p)),
    // The disk preflight before the plan: the running images' sizes and Docker's root.
    runner: new FakeRunner([
      {
        match: / config --images$/,
        stdout: 'mattermost/mattermost-team-edition:10.11.23\npostgres:16-alpine\n',
      },
      { match: /^docker image inspect /, stdout: '500000000\n300000000\n' },
      { match: /^docker info /, stdout: '/var/lib/docker\n' },
    ]),
    version: '1.0.0',
    env: {
      env: { WIZARD_UPDATE_URL: 'off' },
      stateDir,
      hostPath: (p: string) => join(root, p),
      projectName: (name: string) => name,
    },
    term: {
      stdout: {
        write: (s: string) => {
          stdout += s;
          return true;
        },
      },
      stderr: {
        write: (s: string) => {
          stderr += s;
          return true;
        },
        isTTY: false,
      },
      interactive: false,
    },
  } as unknown as Deps;
  return { deps, requests, out: () => stdout, err: () => stderr };
}

describe('wizard upgrade with a release feed (recorded Docker Hub answers)', () => {
  it('--check offers a feed-only patch of a shipped ESR, names the feed and what is newer than this wizard knows', async () => {
    const s = await setup();
    expect(await upgradeCommand({ check: true }, s.deps)).toBe(10);
    expect(s.out()).toBe(
      [
        'Mattermost 10.11.23 → 11.7.16 can be installed (newest: 11.7.16). Release notes: https://docs.mattermost.com/product-overview/mattermost-server-releases.html',
        'Release list: hub.docker.com (fetched now)',
        'Newer than this wizard knows: 12.0.0; run `wizard self-update` to be offered them. Most are monthly feature releases: the wizard moves from one Extended Support Release to the next, and a newer wizard knows the next ESR.',
        'Run: wizard upgrade mattermost',
        '',
      ].join('\n'),
    );
    expect(s.requests).toHaveLength(3);
  });

  it('--check --json: the real source, the path and the unknown-newer versions; a feed that is down leaves the shipped list, saying why', async () => {
    const s = await setup();
    await upgradeCommand({ check: true, json: true }, s.deps);
    expect(JSON.parse(s.out())).toMatchObject({
      current: '10.11.23',
      next: '11.7.16',
      newest: '11.7.16',
      path: ['11.7.16'],
      upgradeAvailable: true,
      releaseList: 'hub.docker.com (fetched now)',
      releaseSource: { kind: 'feed', feed: 'hub.docker.com', reason: null },
      newerThanWizardKnows: ['12.0.0'],
    });
    const down = await setup(false);
    expect(await upgradeCommand({ check: true, json: true }, down.deps)).toBe(10);
    expect(JSON.parse(down.out())).toMatchObject({
      next: '11.7.15',
      releaseList: 'shipped with the wizard (hub.docker.com: connection refused)',
      releaseSource: { kind: 'shipped' },
      newerThanWizardKnows: [],
    });
  });

  it('--offline never asks the feed', async () => {
    const s = await setup();
    expect(await upgradeCommand({ check: true, json: true, offline: true }, s.deps)).toBe(10);
    expect(s.requests).toEqual([]);
    expect(JSON.parse(s.out())).toMatchObject({
      next: '11.7.15',
      releaseList: 'shipped with the wizard (--offline, nothing cached)',
    });
  });

  it('the plan (--dry-run) shows current, target, where the list came from and what is newer', async () => {
    const s = await setup();
    expect(await upgradeCommand({ dryRun: true }, s.deps)).toBe(0);
    expect(s.err()).toContain('10.11.23 → 11.7.16');
    expect(s.err()).toContain('Release list: hub.docker.com (fetched now)');
    expect(s.err()).toMatch(/Disk: [\d.]+ GiB free at .* for the new images \(~0\.9 GiB\)/);
    expect(s.err()).toContain(
      'Newer than this wizard knows: 12.0.0; run `wizard self-update` to be offered them.',
    );
  });

  it('--to a release of a series this wizard does not know is refused with self-update as the remedy', async () => {
    const s = await setup();
    const err = await upgradeCommand({ to: '12.0.0', yes: true }, s.deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe(
      "Can't upgrade Mattermost 10.11.23 to 12.0.0: 12.0.0 is newer than this wizard knows (its requirements are not in its release list); run `wizard self-update` first.",
    );
    expect((err as UserError).remedy).toContain('Allowed: 10.11.24, 11.7.14, 11.7.15, 11.7.16.');
    expect((err as UserError).remedy).toMatch(/^Release list: hub\.docker\.com \(fetched now\)\. Allowed/);
  });
});
