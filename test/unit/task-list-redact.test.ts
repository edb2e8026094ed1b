import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { redacting } from '../../src/commands/task-list.js';

describe("the task list's redacting stream", () => {
  it("redacts what is written, survives listr2's hijack of write, and never patches the real stream", () => {
    const real = new PassThrough();
    let out = '';
    real.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const realWrite = real.write;
    const s = redacting(real as unknown as NodeJS.WriteStream, (t) => t.replaceAll('hunter22', '***'));
    s.write('password hunter22\n');
    // listr2's ProcessOutput.hijack: keep the write it finds, put its own, write through the kept one, restore.
    const kept = s.write;
    const buffered: string[] = [];
    s.write = ((chunk: string) => {
      buffered.push(chunk);
      return true;
    }) as typeof s.write;
    s.write('while drawing hunter22\n');
    for (const b of buffered) kept.call(s, b);
    s.write = kept;
    s.write('after hunter22\n');
    expect(real.write).toBe(realWrite);
    expect(out).toBe('password ***\nwhile drawing ***\nafter ***\n');
  });
});
