/** /metrics, /healthz (process alive and watches not stuck) and /readyz (caches synced). */
import { createServer, type Server } from 'node:http';
import type { Metrics } from './metrics.js';

export interface HealthSource {
  healthy(): { ok: boolean; detail: string };
  ready(): { ok: boolean; detail: string };
}

export function startHttpServer(
  port: number,
  metrics: Metrics,
  health: HealthSource,
  host = '0.0.0.0',
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      metrics.registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(body);
        })
        .catch((err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        });
      return;
    }
    const check =
      path === '/healthz' || path === '/livez' ? health.healthy() : path === '/readyz' ? health.ready() : undefined;
    if (!check) {
      res.writeHead(404);
      res.end('not found\n');
      return;
    }
    res.writeHead(check.ok ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(`${check.ok ? 'ok' : 'not ok'}: ${check.detail}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
