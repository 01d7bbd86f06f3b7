import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry, collectDefaultMetrics } from 'prom-client';

export interface HealthServer {
  start(): Promise<string>;
  stop(): Promise<void>;
  readonly url: string;
}

export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * `/metrics` (Prometheus text), `/healthz` (process alive) and `/readyz` (dependencies connected).
 * `routes` may answer other paths (a service's own small API); it returns false for a path it does
 * not serve (404).
 */
export function createHealthServer(opts: {
  port: number;
  host?: string;
  registry: Registry;
  ready: () => boolean;
  routes?: (req: IncomingMessage, res: ServerResponse, path: string) => boolean;
}): HealthServer {
  let server: Server | undefined;
  let url = '';
  return {
    get url() {
      return url;
    },
    async start() {
      server = createServer((req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (path === '/metrics') {
          opts.registry.metrics().then(
            (body) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(body),
            (err: unknown) => res.writeHead(500).end(String(err)),
          );
        } else if (path === '/healthz') {
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        } else if (path === '/readyz') {
          const ok = opts.ready();
          res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not ready\n');
        } else if (!opts.routes?.(req, res, path ?? '/')) {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        }
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
      });
      const addr = server.address() as AddressInfo;
      url = `http://${addr.address}:${addr.port}`;
      return url;
    },
    async stop() {
      if (!server) return;
      await new Promise<void>((resolve) => server!.close(() => resolve()));
      server = undefined;
    },
  };
}
