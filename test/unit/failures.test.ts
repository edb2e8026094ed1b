import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseAnswersFile, resolveAnswers } from '../../src/core/answers.js';
import { CommandFailedError, StepFailedError } from '../../src/core/errors.js';
import { explainFailure } from '../../src/core/failures.js';
import { platforms } from '../../steps/index.js';

/** The causes read from a failed command's output (as Docker 20-27, Compose v2 and git print them). */
describe('explainFailure', () => {
  const up = ['compose', '-f', 'compose.yml', 'up', '-d'];
  it.each([
    [
      'docker',
      up,
      'Error response from daemon: driver failed programming external connectivity on endpoint x: Bind for 127.0.0.1:3000 failed: port is already allocated',
      'Port 3000 on 127.0.0.1 is already in use',
      "ss -ltnp 'sport = :3000'",
    ],
    [
      'docker',
      up,
      'Error starting userland proxy: listen tcp4 127.0.0.1:8065: bind: address already in use',
      'Port 8065 on 127.0.0.1 is already in use',
      '--port',
    ],
    [
      'docker',
      up,
      'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
      "Can't reach the Docker daemon at unix:///var/run/docker.sock",
      'systemctl start docker',
    ],
    [
      'docker',
      ['info'],
      'error during connect: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/info": dial unix /var/run/docker.sock: connect: no such file or directory',
      "Can't reach the Docker daemon",
      'DOCKER_HOST',
    ],
    [
      'docker',
      ['compose', 'pull'],
      ' mattermost Error Get "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused\n postgres Error Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
      "Can't reach the image registry http://127.0.0.1:9",
      '--offline',
    ],
    [
      'docker',
      ['compose', 'pull'],
      'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 127.0.0.53:53: server misbehaving',
      "Can't reach the image registry https://registry-1.docker.io",
      'network',
    ],
    [
      'git',
      ['clone', '--', '/nope.git', '/opt/x'],
      "fatal: repository '/nope.git' does not exist",
      "The repository does not answer: repository '/nope.git' does not exist",
      '--repo-url',
    ],
    [
      'git',
      ['clone', '--', 'http://127.0.0.1:9/x.git', '/opt/x'],
      "Cloning into '/opt/x'...\nfatal: unable to access 'http://127.0.0.1:9/x.git/': Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server",
      'Failed to connect to 127.0.0.1 port 9',
      '--repo-url',
    ],
    [
      'git',
      ['-C', '/opt/x', 'status'],
      "fatal: sha1 file '/opt/x/.git/index.lock' write error. Out of diskspace",
      'The disk is full',
      'df -h',
    ],
  ])('%s %j: %s', (file, args, output, summary, remedy) => {
    const e = explainFailure(file, args, output);
    expect(e?.summary).toContain(summary);
    expect(e?.remedy).toContain(remedy);
  });

  it('says nothing about output it does not know', () => {
    expect(explainFailure('docker', up, 'service "x" refers to undefined network y')).toBeUndefined();
    expect(explainFailure('git', ['fetch'], "fatal: repository '/x' does not exist")).toBeUndefined();
  });

  it("a failed step shows the command's cause and its last output lines", () => {
    const cause = new CommandFailedError(
      'docker compose up -d',
      1,
      'a\nb\nc\nd\ne\nBind for 127.0.0.1:3000 failed: port is already allocated',
      'remedy',
      'Port 3000 on 127.0.0.1 is already in use',
    );
    const e = new StepFailedError('Start the containers', cause, cause.remedy);
    expect(e.message.split('\n')).toEqual([
      'Step failed: Start the containers: Error from `docker compose up -d` (exit code 1): Port 3000 on 127.0.0.1 is already in use',
      'b',
      'c',
      'd',
      'e',
      'Bind for 127.0.0.1:3000 failed: port is already allocated',
    ]);
  });
});

describe('answers file values that are lists or mappings', () => {
  it('are refused with a remedy, not a crash (a mapping with a toString key once threw a TypeError)', () => {
    const a = parseAnswersFile(
      'platform: {toString: {}}\nport: {valueOf: 1}\nignore-check: [{toString: 1}]\n',
      'a.yml',
      parseYaml,
    );
    const r = resolveAnswers([a], platforms);
    expect(r.errors.map((e) => e.key)).toEqual(['platform', 'port']);
    expect(r.errors[0]?.error).toBe('"{"toString":{}}" is not a platform the wizard installs.');
  });
});
