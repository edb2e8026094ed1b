import { PassThrough } from 'node:stream';
import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import { describe, expect, it } from 'vitest';
import { LogRenderer } from '../../src/ui/log-renderer.js';

/** The task list without a terminal: what lands in a CI log for a readiness wait polling every 100 ms. */
async function run(tasks: ConstructorParameters<typeof Listr>[0]) {
  let now = 0;
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => {
    text += d.toString();
  });
  const out = stream as unknown as NodeJS.WriteStream;
  const processOutput = new ProcessOutput(out, out);
  const logger = new ListrLogger({ processOutput, useIcons: true });
  const list = new Listr(tasks, {
    renderer: LogRenderer,
    rendererOptions: { logger, now: () => now },
    registerSignalListeners: false,
    exitOnError: true,
  } as unknown as ConstructorParameters<typeof Listr>[1]);
  const tick = (ms: number) => {
    now += ms;
  };
  return { list, lines: () => text.trimEnd().split('\n'), tick };
}

describe('LogRenderer (progress without a terminal)', () => {
  it('one line per state change, and "still waiting" at most every 10 s for 90 s of polling', async () => {
    const r = await run([
      {
        title: 'Clone the compose repository',
        task: async (_c, t) => {
          t.title = 'Cloned it';
        },
      },
      {
        title: 'Wait until the platform answers',
        task: async (_c, t) => {
          for (let i = 1; i <= 900; i++) {
            r.tick(100);
            t.output = `${Math.round(i / 10)} s: connection refused`;
          }
          t.title = 'Rocket.Chat 8.0.1 answers (after 90 s)';
        },
      },
      {
        title: 'Pull images',
        task: async (_c, t) => t.skip('Offline: using the images already on this host'),
      },
    ]);
    await r.list.run();
    expect(r.lines()).toEqual([
      '❯ Clone the compose repository',
      '✔ Cloned it',
      '❯ Wait until the platform answers',
      ...Array.from({ length: 9 }, (_, i) => `› still waiting (${(i + 1) * 10} s): connection refused`),
      '✔ Rocket.Chat 8.0.1 answers (after 90 s)',
      '❯ Pull images',
      '↓ Pull images [SKIPPED: Offline: using the images already on this host]',
    ]);
  });

  it('writes every line of output a task marks persistent (information, not progress)', async () => {
    const r = await run([
      {
        title: 'Show the DNS records the domain needs',
        task: async (_c, t) => {
          t.output =
            'relay.example.org. 3600 IN A 192.0.2.2\nwww.relay.example.org. 3600 IN CNAME relay.example.org.';
          t.title = 'DNS records relay.example.org needs are set';
        },
        rendererOptions: { persistentOutput: true },
      },
    ]);
    await r.list.run();
    expect(r.lines()).toEqual([
      '❯ Show the DNS records the domain needs',
      '› relay.example.org. 3600 IN A 192.0.2.2',
      '› www.relay.example.org. 3600 IN CNAME relay.example.org.',
      '✔ DNS records relay.example.org needs are set',
    ]);
  });

  it('a failed task says why on its line', async () => {
    const r = await run([
      {
        title: 'Start the containers',
        task: async () => {
          throw new Error('Port 3000 on 127.0.0.1 is already in use');
        },
      },
    ]);
    await expect(r.list.run()).rejects.toThrow('already in use');
    expect(r.lines()).toEqual([
      '❯ Start the containers',
      '✖ Start the containers [FAILED: Port 3000 on 127.0.0.1 is already in use]',
    ]);
  });
});
