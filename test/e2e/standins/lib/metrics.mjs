// A tiny Prometheus exposition server for the exporter stand-ins: GET <path> -> text from collect().
import http from 'node:http';

export function serveMetrics({ port, host = '0.0.0.0', path = '/metrics', collect, name }) {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === path) {
      const body = await collect();
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      return res.end(body);
    }
    if (url.pathname === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return res.end(
        `<html><head><title>${name}</title></head><body><h1>${name}</h1><a href="${path}">Metrics</a></body></html>`,
      );
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('404 page not found\n');
  });
  server.listen(port, host);
  return server;
}

export const gauge = (name, value, labels = '') =>
  `# TYPE ${name} gauge\n${name}${labels ? `{${labels}}` : ''} ${value}\n`;
