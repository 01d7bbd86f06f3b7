import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface EscalatorMetrics {
  casesStarted: Counter;
  evidenceAdded: Counter;
  ringSignals: Counter<'started'>;
  revisionsSignalled: Counter<'status'>;
  revisionsReceived: Counter;
  coalesced: Counter<'outcome'>;
  startFailures: Counter;
  deadLettered: Counter;
  signalSeconds: Histogram;
  lag: Gauge<'partition'>;
}

export function createMetrics(registry: Registry): EscalatorMetrics {
  return {
    casesStarted: new Counter({
      name: 'zm_escalator_cases_started_total',
      help: 'Alerts that started a case workflow run (a new or reopened case)',
      registers: [registry],
    }),
    evidenceAdded: new Counter({
      name: 'zm_escalator_evidence_added_total',
      help: 'Alerts signalled to an already running case (the workflow ignores revisions it already has)',
      registers: [registry],
    }),
    ringSignals: new Counter({
      name: 'zm_escalator_ring_signals_total',
      help: 'Alerts signalled to a ring case (an entity at its ring threshold): started=true opened a ring case run, false added to the open one',
      labelNames: ['started'],
      registers: [registry],
    }),
    revisionsSignalled: new Counter({
      name: 'zm_escalator_revisions_signalled_total',
      help: 'Alert revisions after the first (revision > 0) signalled to their case, by alert status (ACTIVE, WITHDRAWN); the case keeps the highest revision per alert id',
      labelNames: ['status'],
      registers: [registry],
    }),
    revisionsReceived: new Counter({
      name: 'zm_escalator_revisions_received_total',
      help: 'Alert revisions after the first (revision > 0) read from the alerts topic; revisions_signalled / revisions_received is the share that reaches a case',
      registers: [registry],
    }),
    coalesced: new Counter({
      name: 'zm_escalator_alerts_coalesced_total',
      help: 'Alert records not signalled because their case does not need them: superseded (a higher revision of the alert in the same batch), duplicate (already signalled), unchanged (nothing the case shows differs from the revision last signalled)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    startFailures: new Counter({
      name: 'zm_escalator_start_failures_total',
      help: 'Failed signal-with-start calls (Temporal unreachable or refusing); the batch is retried uncommitted',
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'zm_escalator_dead_lettered_total',
      help: 'Alerts sent to the dead-letter topic (undecodable or invalid)',
      registers: [registry],
    }),
    signalSeconds: new Histogram({
      name: 'zm_escalator_signal_seconds',
      help: 'Latency of one signal-with-start call',
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'zm_escalator_consumer_lag',
      help: 'Alerts not yet committed by the escalator group, per partition (log end offset - committed offset)',
      labelNames: ['partition'],
      registers: [registry],
    }),
  };
}
