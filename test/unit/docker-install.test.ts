import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installDocker } from '../../src/commands/docker-install.js';
import { RealFileStore } from '../../src/system/files.js';
import { FakeRunner } from '../helpers/fake-runner.js';
import { MemoryLogger } from '../helpers/memory-logger.js';
import { tmpRoot } from '../helpers/tmp.js';

describe("installing Docker with Docker's script", () => {
  it('downloads the script, keeps it, runs it with sh, and starts the daemon', async () => {
    const root = tmpRoot();
    const files = new RealFileStore((p) => join(root, p));
    const runner = new FakeRunner([
      { match: /^sh .*get-docker\.sh$/, lines: ['# Executing docker install script'] },
      { match: /^systemctl enable --now docker$/ },
    ]);
    const lines: string[] = [];
    const http = { request: async () => ({ status: 200, body: '#!/bin/sh\necho install\n' }) };
    await installDocker({ http, runner, files, log: new MemoryLogger() }, { onLine: (l) => lines.push(l) });
    expect(runner.calls).toEqual([
      `sh ${root}/var/lib/wizard/get-docker.sh`,
      'systemctl enable --now docker',
    ]);
    expect(readFileSync(join(root, 'var/lib/wizard/get-docker.sh'), 'utf8')).toBe(
      '#!/bin/sh\necho install\n',
    );
    expect(statSync(join(root, 'var/lib/wizard/get-docker.sh')).mode & 0o777).toBe(0o700);
    expect(lines).toEqual(['# Executing docker install script']);
  });

  it('stops with a remedy, running nothing, when the script cannot be downloaded', async () => {
    const root = tmpRoot();
    const runner = new FakeRunner([]);
    const http = { request: async () => ({ status: 503, body: 'busy' }) };
    await expect(
      installDocker({
        http,
        runner,
        files: new RealFileStore((p) => join(root, p)),
        log: new MemoryLogger(),
      }),
    ).rejects.toThrow("Can't download Docker's install script from https://get.docker.com: HTTP 503");
    expect(runner.calls).toEqual([]);
  });
});
