import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { missingImages } from '../../src/system/images.js';
import { FakeRunner } from '../helpers/fake-runner.js';

/** The plan of an install under /opt/chat: its .env (with a secret) and the wizard's compose file. */
const plan = {
  files: [
    {
      kind: 'file' as const,
      path: '/opt/chat/.env',
      mode: 0o600,
      content: 'RELEASE=8.0.1\nADMIN_PASS=s3cret\n',
      description: '',
    },
    {
      kind: 'file' as const,
      path: '/opt/chat/compose.wizard.yml',
      mode: 0o644,
      content: 'services: {}\n',
      description: '',
    },
    { kind: 'file' as const, path: '/root/nginx/compose.yml', mode: 0o644, content: 'x', description: '' },
  ],
};

describe('--offline: the missing images, before anything is written', () => {
  it('stages the clone with the plan files, reads the images Compose would start, and names those not here', async () => {
    let staged = '';
    let seen: Record<string, string> = {};
    const runner = new FakeRunner([
      {
        match: /^git clone --quiet --branch main -- \/mirror\/rc /,
        effect: (cmd) => {
          staged = cmd.args.at(-1) as string;
          mkdirSync(staged, { recursive: true });
        },
      },
      {
        match: / config --images$/,
        effect: (cmd) => {
          // What Compose reads: the plan's files in the staged clone, not the host's data dir.
          seen = {
            env: readFileSync(`${cmd.cwd}/.env`, 'utf8'),
            wizard: readFileSync(`${cmd.cwd}/compose.wizard.yml`, 'utf8'),
          };
        },
        stdout:
          'registry.rocket.chat/rocketchat/rocket.chat:8.0.1\nmongodb/mongodb-community-server:8.2-ubi8\n',
      },
      {
        // One lookup for all three; each one not found gets its line on stderr (either of Docker's forms).
        match:
          /^docker image inspect --format '\{\{\.Id\}\}' jonasal\/nginx-certbot:latest registry\.rocket\.chat\/rocketchat\/rocket\.chat:8\.0\.1 mongodb\/mongodb-community-server:8\.2-ubi8$/,
        exitCode: 1,
        stdout: 'sha256:abc\n',
        stderr:
          'Error: No such image: jonasal/nginx-certbot:latest\nError response from daemon: no such image: mongodb/mongodb-community-server:8.2-ubi8: No such image: mongodb/mongodb-community-server:8.2-ubi8\n',
      },
    ]);
    const v = await missingImages(
      runner,
      plan,
      [
        {
          dir: '/opt/chat',
          composeFiles: ['compose.yml', 'compose.wizard.yml'],
          clone: { url: '/mirror/rc', branch: 'main' },
        },
      ],
      'chat',
      ['jonasal/nginx-certbot:latest'],
    );
    expect(v).toEqual({
      known: true,
      images: [
        'jonasal/nginx-certbot:latest',
        'registry.rocket.chat/rocketchat/rocket.chat:8.0.1',
        'mongodb/mongodb-community-server:8.2-ubi8',
      ],
      missing: ['jonasal/nginx-certbot:latest', 'mongodb/mongodb-community-server:8.2-ubi8'],
    });
    expect(seen).toEqual({ env: 'RELEASE=8.0.1\nADMIN_PASS=s3cret\n', wizard: 'services: {}\n' });
    expect(runner.calls[1]).toMatch(
      /^docker compose --project-name chat --project-directory \S+ -f compose.yml -f compose.wizard.yml config --images$/,
    );
    expect(runner.calls).toHaveLength(3);
    // The staging folder (it held the .env and its secret) is gone.
    expect(existsSync(staged)).toBe(false);
  });

  it("says it can't tell when the repository can't be cloned (the install's clone would fail the same way)", async () => {
    const runner = new FakeRunner([
      {
        match: /^git clone /,
        exitCode: 128,
        stderr: "fatal: unable to access 'https://github.com/x/y.git/'",
      },
    ]);
    const v = await missingImages(
      runner,
      plan,
      [{ dir: '/opt/chat', composeFiles: [], clone: { url: 'https://github.com/x/y.git', branch: 'main' } }],
      'chat',
    );
    expect(v).toEqual({
      known: false,
      reason:
        "git clone https://github.com/x/y.git failed: fatal: unable to access 'https://github.com/x/y.git/'",
    });
  });

  it('a daemon that does not answer says nothing about the images: unknown, not missing', async () => {
    const runner = new FakeRunner([
      { match: / config --images$/, stdout: 'nats:2.11-alpine\n' },
      {
        match: /^docker image inspect /,
        exitCode: 1,
        stderr:
          'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
      },
    ]);
    const v = await missingImages(runner, plan, [{ dir: '/opt/chat', composeFiles: [] }], 'chat');
    expect(v).toEqual({
      known: false,
      reason:
        'docker image inspect failed: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
    });
  });

  it('all found: one lookup, nothing missing', async () => {
    const runner = new FakeRunner([
      { match: / config --images$/, stdout: 'nats:2.11-alpine\npostgres:16-alpine\n' },
      {
        match: /^docker image inspect --format '\{\{\.Id\}\}' nats:2\.11-alpine postgres:16-alpine$/,
        stdout: 'sha256:a\nsha256:b\n',
      },
    ]);
    const v = await missingImages(runner, plan, [{ dir: '/opt/chat', composeFiles: [] }], 'chat');
    expect(v).toEqual({ known: true, images: ['nats:2.11-alpine', 'postgres:16-alpine'], missing: [] });
    expect(runner.calls).toHaveLength(2);
  });
});
