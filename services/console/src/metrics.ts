import { Counter, Gauge, type Registry } from 'prom-client';
import { STATUSES, type LagSnapshot } from '@zmwatch/ops';

/** Read at scrape time (prom-client calls a gauge's collect() before serving it). */
export interface ConsoleGaugeSources {
  sessions: () => number;
  feedSubscribers: () => number;
}

/** The console's Prometheus metrics: the lag figures it samples, and its own HTTP traffic. */
export function createConsoleMetrics(registry: Registry, sources: ConsoleGaugeSources) {
  const lag = new Gauge({
    name: 'zm_consumer_lag_messages',
    help: 'Records between a consumer group committed offset and the log end, per partition',
    labelNames: ['group', 'topic', 'partition'] as const,
    registers: [registry],
  });
  const timeLag = new Gauge({
    name: 'zm_consumer_lag_seconds',
    help: 'Age of the oldest record a consumer group has not consumed yet, per partition',
    labelNames: ['group', 'topic', 'partition'] as const,
    registers: [registry],
  });
  const status = new Gauge({
    name: 'zm_consumer_group_status',
    help: `Burrow-style group status: ${STATUSES.map((s, i) => `${i}=${s}`).join(', ')}`,
    labelNames: ['group'] as const,
    registers: [registry],
  });
  const throughput = new Gauge({
    name: 'zm_topic_append_rate',
    help: 'Records appended per second to a topic between the last two samples',
    labelNames: ['topic'] as const,
    registers: [registry],
  });
  const retained = new Gauge({
    name: 'zm_topic_retained_messages',
    help: 'Records retained in a topic (sum of high minus low watermarks; dead letters for .dlq topics)',
    labelNames: ['topic'] as const,
    registers: [registry],
  });
  const http = new Counter({
    name: 'zm_console_http_requests_total',
    help: 'HTTP requests served by the console, by route pattern and status',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'zm_console_sessions',
    help: 'Signed-in sessions held in memory',
    registers: [registry],
    collect() {
      this.set(sources.sessions());
    },
  });
  const loginLockouts = new Counter({
    name: 'zm_console_login_lockouts_total',
    help: 'Sign-in locks started after repeated failures, by scope (user name or client address)',
    labelNames: ['scope'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'zm_console_alert_feed_subscribers',
    help: 'Open server-sent event connections of the alert feed',
    registers: [registry],
    collect() {
      this.set(sources.feedSubscribers());
    },
  });

  const auditWritten = new Counter({
    name: 'zm_console_audit_written_total',
    help: 'Access audit entries written to the audit topic',
    registers: [registry],
  });
  const auditDropped = new Counter({
    name: 'zm_console_audit_dropped_total',
    help: 'Access audit entries dropped because the audit topic could not be written for too long',
    registers: [registry],
  });

  return {
    http,
    loginLockouts,
    auditWritten,
    auditDropped,
    /** Replaces the lag gauges with one sample, so groups and topics that went away disappear. */
    recordLag(snapshot: LagSnapshot) {
      lag.reset();
      timeLag.reset();
      status.reset();
      throughput.reset();
      retained.reset();
      for (const g of snapshot.groups) {
        status.set({ group: g.groupId }, STATUSES.indexOf(g.status));
        for (const p of g.partitions) {
          const labels = { group: g.groupId, topic: p.topic, partition: String(p.partition) };
          lag.set(labels, p.lag);
          if (p.timeLagMs !== null) timeLag.set(labels, p.timeLagMs / 1000);
        }
      }
      for (const t of snapshot.topics) {
        retained.set({ topic: t.topic }, t.retained);
        if (t.perSecond !== null) throughput.set({ topic: t.topic }, t.perSecond);
      }
    },
  };
}

export type ConsoleMetrics = ReturnType<typeof createConsoleMetrics>;
