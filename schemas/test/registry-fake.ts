import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small Confluent Schema Registry stand-in implementing the two endpoints the client uses
 * (`POST /subjects/{subject}/versions`, `GET /schemas/ids/{id}`), for what a real registry does not
 * do on request: count the client's GETs, answer 500 or 401 once. The real one (Apicurio Registry,
 * infra/bin/registry) is in registry-apicurio.it.test.ts.
 * `stop()` then `start()` keeps the schemas and the port: a registry that goes away and comes back.
 */
export function fakeRegistry() {
  const schemas = new Map<number, string>();
  const subjects = new Map<string, number[]>();
  const requests: string[] = [];
  let nextId = 100;
  let failNext = 0;
  let failStatus = 500;
  let port = 0;
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
        res.end(JSON.stringify(json));
      };
      if (failNext > 0) {
        failNext--;
        return send(failStatus, { error_code: failStatus * 100 + 1, message: 'registry refused' });
      }
      const post = /^\/subjects\/([^/]+)\/versions$/.exec(req.url ?? '');
      if (req.method === 'POST' && post) {
        assert.equal(req.headers['content-type'], 'application/vnd.schemaregistry.v1+json');
        const { schema } = JSON.parse(body) as { schema: string };
        const canonical = JSON.stringify(JSON.parse(schema));
        let id = [...schemas].find(([, s]) => s === canonical)?.[0];
        if (id === undefined) schemas.set((id = nextId++), canonical);
        const subject = decodeURIComponent(post[1]!);
        const list = subjects.get(subject) ?? [];
        if (!list.includes(id)) list.push(id);
        subjects.set(subject, list);
        return send(200, { id });
      }
      const get = /^\/schemas\/ids\/(\d+)$/.exec(req.url ?? '');
      if (req.method === 'GET' && get) {
        const s = schemas.get(Number(get[1]));
        return s ? send(200, { schema: s }) : send(404, { error_code: 40403, message: 'Schema not found' });
      }
      send(404, { error_code: 40401, message: 'not found' });
    });
  };
  let server: Server | undefined;
  return {
    requests,
    subjects,
    /** The next `n` requests answer `status` (default 500) instead. */
    failNextRequests: (n: number, status = 500) => {
      failNext = n;
      failStatus = status;
    },
    url: () => `http://127.0.0.1:${port}`,
    /** Listens (on a free port the first time, on the same port after a stop). */
    start: () =>
      new Promise<void>((resolve, reject) => {
        const s = createServer(handler);
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => {
          port = (s.address() as AddressInfo).port;
          server = s;
          resolve();
        });
      }),
    /** Closes the listener and every open connection: clients now get ECONNREFUSED. */
    stop: () =>
      new Promise<void>((resolve) => {
        const s = server;
        server = undefined;
        if (!s) return resolve();
        s.close(() => resolve());
        s.closeAllConnections();
      }),
  };
}
