import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CustomsRequest {
  idempotencyKey: string | undefined;
  body: Record<string, unknown>;
  status: number;
}

/**
 * A stand-in for the customs hold-recommendation endpoint: records every request, answers with the
 * scripted statuses first (e.g. [500] = fail once), then 201; a repeated Idempotency-Key after a
 * success is answered 200 without creating a second hold, like a real idempotent API.
 */
export async function startCustomsServer(script: number[] = []) {
  const requests: CustomsRequest[] = [];
  const holds = new Map<string, Record<string, unknown>>();
  const queue = [...script];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const key = req.headers['idempotency-key'] as string | undefined;
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      let status = queue.shift() ?? 201;
      if (status < 300) {
        if (key && holds.has(key)) status = 200;
        else if (key) holds.set(key, body);
      }
      requests.push({ idempotencyKey: key, body, status });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/holds`,
    requests,
    holds,
    script: (statuses: number[]) => queue.push(...statuses),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type CustomsServer = Awaited<ReturnType<typeof startCustomsServer>>;
