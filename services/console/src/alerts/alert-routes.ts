import { SEVERITY_SYMBOLS, TYPOLOGIES, type Severity, type Typology } from '@zmwatch/schemas';
import { alertTypologies } from '@zmwatch/workflows';
import type { Api } from '../http/api.js';
import { badRequest, HttpError } from '../http/http-error.js';
import { sendJson } from '../http/respond.js';
import type { AlertFeed, FeedAlert } from './alert-feed.js';

/** A comma list of symbols from `allowed`, any case; undefined when empty; a 400 naming an unknown one. */
function parseSymbols<T extends string>(
  raw: string | null,
  allowed: readonly T[],
  what: string,
): Set<T> | undefined {
  if (raw === null || raw.trim() === '') return undefined;
  const out = new Set<T>();
  for (const v of raw
    .split(',')
    .map((x) => x.trim().toUpperCase())
    .filter(Boolean)) {
    if (!(allowed as readonly string[]).includes(v))
      throw badRequest(`unknown ${what} "${v}" (expected ${allowed.join(', ')})`);
    out.add(v as T);
  }
  return out;
}

export const parseSeverityFilter = (raw: string | null): Set<Severity> | undefined =>
  parseSymbols(raw, SEVERITY_SYMBOLS, 'severity');

export const parseTypologyFilter = (raw: string | null): Set<Typology> | undefined =>
  parseSymbols(raw, TYPOLOGIES, 'typology');

/** The typologies an alert is about (an alert before contract v3: zero-mileage); the case queues count the same way. */
export { alertTypologies };

/** An alert passes the filters when its severity is chosen and it is about a chosen typology. */
export function feedFilter(url: URL): (a: FeedAlert) => boolean {
  const severities = parseSeverityFilter(url.searchParams.get('severity'));
  const typologies = parseTypologyFilter(url.searchParams.get('typology'));
  return (a) =>
    (!severities || severities.has(a.severity)) &&
    (!typologies || alertTypologies(a).some((t) => typologies.has(t as Typology)));
}

/** Customs' live feed: the recent alerts as JSON, and a server-sent event stream of new ones. */
export function registerAlertRoutes(api: Api, feed: () => AlertFeed | undefined, heartbeatMs = 15_000): void {
  const requireFeed = () => {
    const f = feed();
    if (!f) throw new HttpError(503, 'the alert feed is not running');
    return f;
  };

  api.route('GET', '/api/alerts/recent', 'alerts:read', ({ res, url }) => {
    const alerts = requireFeed().recent().filter(feedFilter(url)).reverse();
    sendJson(res, 200, { alerts });
  });

  api.route('GET', '/api/alerts/stream', 'alerts:read', ({ req, res, url }) => {
    const passes = feedFilter(url);
    const f = requireFeed();
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const send = (a: FeedAlert) => {
      if (!passes(a)) return;
      res.write(`event: alert\nid: ${a.kafka.partition}-${a.kafka.offset}\ndata: ${JSON.stringify(a)}\n\n`);
    };
    res.write('retry: 3000\n\n');
    for (const a of f.recent()) send(a);
    res.write('event: ready\ndata: {}\n\n');
    const unsubscribe = f.subscribe(send);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
    req.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  });
}
