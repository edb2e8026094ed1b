import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { FetchHttpClient } from '../../src/system/http.js';
import { ExecaRunner } from '../../src/system/runner.js';
import { MemoryLogger } from '../helpers/memory-logger.js';

/** Generic pieces the Mastodon platform needed: secret command output, and a Host header of our own. */
describe('the runner with secretOutput', () => {
  it('runs the command and returns its output, but keeps the output out of the log', async () => {
    const log = new MemoryLogger();
    const r = await new ExecaRunner(log).run({
      file: 'sh',
      args: ['-c', 'echo OK; echo "New password: $(printf 0123abcd%.0s 1 2)"'],
      secretOutput: true,
    });
    expect(r.stdout).toBe('OK\nNew password: 0123abcd0123abcd');
    expect(log.lines.join('\n')).not.toContain('0123abcd0123abcd');
    expect(log.lines.join('\n')).toContain('(2 lines not logged: they hold a secret)');
  });
});

describe('the HTTP client', () => {
  it("sends the Host header it is given (fetch would send the URL's), and still answers status, body, headers", async () => {
    const server = createServer((req, res) => {
      res.setHeader('x-seen-host', req.headers.host ?? '');
      res.end(`host=${req.headers.host} proto=${req.headers['x-forwarded-proto']}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const http = new FetchHttpClient();
      const r = await http.request(`http://127.0.0.1:${port}/api/v1/instance`, {
        headers: { host: 'social.example.com', 'x-forwarded-proto': 'https' },
      });
      expect(r).toMatchObject({ status: 200, body: 'host=social.example.com proto=https' });
      expect(r.headers?.['x-seen-host']).toBe('social.example.com');
      expect((await http.request(`http://127.0.0.1:${port}/`)).body).toBe(
        `host=127.0.0.1:${port} proto=undefined`,
      );
    } finally {
      server.close();
    }
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const free = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(
      new FetchHttpClient().request(`http://127.0.0.1:${free}/`, { headers: { host: 'x' } }),
    ).rejects.toThrow('connection refused');
  });
});
