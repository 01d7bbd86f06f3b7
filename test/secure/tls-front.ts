/**
 * A TLS terminator in front of a plaintext server, as an ingress or a sidecar proxy puts one in
 * front of Temporal's frontend: it requires a client certificate signed by `caFile` (mutual TLS),
 * offers HTTP/2 by ALPN (gRPC) and pipes the bytes to `target` unchanged.
 */
import { connect } from 'node:net';
import { createServer, type Server } from 'node:tls';
import { readFileSync } from 'node:fs';
import type { CertPair } from './test-pki.js';

export interface TlsFront {
  /** Client certificates' subjects seen by handshakes that succeeded. */
  accepted: string[];
  close(): Promise<void>;
}

export async function startTlsFront(o: {
  port: number;
  target: { host: string; port: number };
  server: CertPair;
  caFile: string;
}): Promise<TlsFront> {
  const accepted: string[] = [];
  const open = new Set<{ destroy(): void }>();
  const server: Server = createServer(
    {
      cert: readFileSync(o.server.certFile),
      key: readFileSync(o.server.keyFile),
      ca: readFileSync(o.caFile),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (socket) => {
      accepted.push(String(socket.getPeerCertificate().subject?.CN));
      const upstream = connect(o.target.port, o.target.host);
      socket.pipe(upstream).pipe(socket);
      open.add(socket).add(upstream);
      const end = () => {
        socket.destroy();
        upstream.destroy();
        open.delete(socket);
        open.delete(upstream);
      };
      socket.on('close', end);
      upstream.on('close', end);
      socket.on('error', end);
      upstream.on('error', end);
    },
  );
  server.on('tlsClientError', () => {}); // refused handshakes are the point of some tests
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', resolve);
  });
  return {
    accepted,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) s.destroy();
      }),
  };
}
