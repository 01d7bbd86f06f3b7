import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The demo's stand-in for the customs hold endpoint (in production, ZM_CUSTOMS_URL points at the
 * customs system). It records hold recommendations by idempotency key, so the summary can show how many
 * distinct holds were requested and that retries were deduplicated.
 */
export async function startCustomsReceiver(): Promise<{
  url: string;
  holds: () => number;
  requests: () => number;
  stop: () => Promise<void>;
}> {
  const keys = new Set<string>();
  let requests = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      requests++;
      const key = req.headers['idempotency-key'];
      if (req.method !== 'POST' || typeof key !== 'string') {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end('{"error":"POST with Idempotency-Key expected"}');
        return;
      }
      keys.add(key);
      res
        .writeHead(202, { 'content-type': 'application/json' })
        .end(JSON.stringify({ accepted: true, key, bytes: body.length }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/holds`,
    holds: () => keys.size,
    requests: () => requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
