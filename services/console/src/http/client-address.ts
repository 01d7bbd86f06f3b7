import type { IncomingMessage } from 'node:http';

/**
 * The client's address for throttling. With `proxyHops` trusted reverse proxies in front (an ingress,
 * a load balancer), each appends the address it saw to `X-Forwarded-For`, so the client is the entry
 * `proxyHops` from the right; entries further left are whatever the client chose to send and are
 * never trusted. With no proxy (0) only the socket's peer counts.
 */
export function clientAddress(req: IncomingMessage, proxyHops: number): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (proxyHops === 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // The last proxy is the socket peer and did the appending: hops[-1] is what it saw, and so on.
  // Fewer entries than proxies: the request did not come through them all; trust only the peer.
  return hops.length >= proxyHops ? hops[hops.length - proxyHops]! : peer;
}
