/**
 * An analyst at the console, over HTTP as the browser's single-page app does (public/js/api.js):
 * signs in with the demo's analyst account, then keeps the queue pages open (every queue listed
 * every `pollMs`, the way the Refresh button reloads it) and opens a case every `pollMs`,
 * alternately the case of the newest alert already in a queue (a busy workflow) and a case from
 * the listing. It also times each new alert from its Kafka timestamp to its VIN's first appearance
 * in a queue listing (resolution: `pollMs` plus the listing's own time).
 */
import type { CollectedAlert } from '@zmwatch/demo';

export interface AnalystFigures {
  casePageMs: number[];
  casePageErrors: number;
  /** Case page answers by HTTP status (`timeout` when none came within 30 s). */
  casePageStatuses: Record<string, number>;
  queuePageMs: number[];
  queuePageErrors: number;
  alertToCaseMs: number[];
  /** Alerts whose VIN never appeared in a queue listing before the analyst stopped. */
  neverSeen: number;
}

const PAGE_SIZE = 50;

export async function startAnalyst(o: {
  consoleUrl: string;
  pollMs: number;
  /** New alerts as the collector sees them (appended while the analyst runs). */
  alerts: readonly CollectedAlert[];
}): Promise<{ figures(): AnalystFigures; stop(): Promise<void> }> {
  const login = await fetch(`${o.consoleUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ username: 'analyst', password: 'analyst-demo' }),
  });
  if (!login.ok) throw new Error(`analyst sign-in: ${login.status} ${await login.text()}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const get = async (path: string): Promise<{ ok: boolean; status: string; ms: number; body: unknown }> => {
    const t = performance.now();
    try {
      const res = await fetch(`${o.consoleUrl}${path}`, {
        headers: { cookie, accept: 'application/json' },
        signal: AbortSignal.timeout(30_000),
      });
      const body: unknown = await res.json().catch(() => undefined);
      return { ok: res.ok, status: String(res.status), ms: performance.now() - t, body };
    } catch {
      return { ok: false, status: 'timeout', ms: performance.now() - t, body: undefined };
    }
  };
  const queuesRes = await get('/api/queues');
  if (!queuesRes.ok) throw new Error('analyst: GET /api/queues failed');
  const queues = (queuesRes.body as { queues: string[] }).queues;

  const f: AnalystFigures = {
    casePageMs: [],
    casePageErrors: 0,
    casePageStatuses: {},
    queuePageMs: [],
    queuePageErrors: 0,
    alertToCaseMs: [],
    neverSeen: 0,
  };
  /** When each VIN was first seen in a listing. */
  const firstSeen = new Map<string, number>();
  let listed: string[] = [];
  let nextAlert = 0;
  const pending: CollectedAlert[] = [];
  let newestInQueue: string | undefined;

  const matchAlerts = () => {
    while (nextAlert < o.alerts.length) pending.push(o.alerts[nextAlert++]!);
    for (let i = pending.length - 1; i >= 0; i--) {
      const alert = pending[i]!;
      const seen = firstSeen.get(alert.vin);
      if (seen === undefined) continue;
      pending.splice(i, 1);
      // Listed before the alert was produced: a case from before this alert, not its latency.
      if (seen >= alert.producedAt) {
        f.alertToCaseMs.push(seen - alert.producedAt);
        newestInQueue = alert.vin;
      }
    }
  };

  let running = true;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const queueLoop = (async () => {
    while (running) {
      const started = Date.now();
      const pages = await Promise.all(
        queues.map((q) => get(`/api/cases?queue=${encodeURIComponent(q)}&pageSize=${PAGE_SIZE}`)),
      );
      const now = Date.now();
      const vins: string[] = [];
      for (const p of pages) {
        f.queuePageMs.push(p.ms);
        if (!p.ok) {
          f.queuePageErrors++;
          continue;
        }
        for (const c of (p.body as { cases: { vin: string }[] }).cases) {
          vins.push(c.vin);
          if (!firstSeen.has(c.vin)) firstSeen.set(c.vin, now);
        }
      }
      if (vins.length) listed = vins;
      matchAlerts();
      await sleep(Math.max(0, o.pollMs - (Date.now() - started)));
    }
  })();
  const caseLoop = (async () => {
    let hot = true;
    while (running) {
      const started = Date.now();
      const vin = hot && newestInQueue ? newestInQueue : listed[Math.floor(Math.random() * listed.length)];
      hot = !hot;
      if (vin) {
        const p = await get(`/api/cases/${encodeURIComponent(vin)}`);
        f.casePageMs.push(p.ms);
        f.casePageStatuses[p.status] = (f.casePageStatuses[p.status] ?? 0) + 1;
        if (!p.ok) f.casePageErrors++;
      }
      await sleep(Math.max(0, o.pollMs - (Date.now() - started)));
    }
  })();

  return {
    figures: () => f,
    async stop() {
      running = false;
      await Promise.all([queueLoop, caseLoop]);
      matchAlerts();
      f.neverSeen = pending.length;
    },
  };
}
