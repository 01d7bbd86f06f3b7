import { Counter, Histogram, type Registry } from 'prom-client';

export type DetectorMetrics = ReturnType<typeof createDetectorMetrics>;

/** The detector's Prometheus series (names prefixed zm_detector_). */
export function createDetectorMetrics(registry: Registry) {
  const registers = [registry];
  return {
    eventsIn: new Counter({
      name: 'zm_detector_events_in_total',
      help: 'Input records consumed and processed, per source topic (dead letters included)',
      labelNames: ['topic'] as const,
      registers,
    }),
    alerts: new Counter({
      name: 'zm_detector_alerts_total',
      help: 'Alerts produced and acknowledged, by severity',
      labelNames: ['severity'] as const,
      registers,
    }),
    revisions: new Counter({
      name: 'zm_detector_alert_revisions_total',
      help: 'Later revisions of alerts (revision >= 1) produced and acknowledged, by reason and status',
      labelNames: ['reason', 'status'] as const,
      registers,
    }),
    entityRechecks: new Counter({
      name: 'zm_detector_entity_rechecks_total',
      help: 'Re-evaluation requests produced for members of other batches whose entity count crossed a threshold (the reach-back)',
      registers,
    }),
    ruleHits: new Counter({
      name: 'zm_detector_alert_rule_hits_total',
      help: 'Rules that fired in produced alerts, by rule id',
      labelNames: ['rule'] as const,
      registers,
    }),
    rerouted: new Counter({
      name: 'zm_detector_rerouted_total',
      help: 'Input records re-routed to a repartition topic because their producer put them on another partition than the contract (murmur2 of the normalised VIN) or keyed them otherwise',
      labelNames: ['topic', 'reason'] as const,
      registers,
    }),
    poisonRecords: new Counter({
      name: 'zm_detector_poison_records_total',
      help: 'Records whose handling threw an unclassified error, isolated by bisecting their batch and dead-lettered',
      labelNames: ['topic'] as const,
      registers,
    }),
    deadLetters: new Counter({
      name: 'zm_detector_dead_letters_total',
      help: 'Records written to <topic>.dlq, per source topic',
      labelNames: ['topic'] as const,
      registers,
    }),
    lateEvents: new Counter({
      name: 'zm_detector_late_events_total',
      help: 'Late or out-of-order events: registrations after the grace period, stale declaration versions',
      labelNames: ['kind'] as const,
      registers,
    }),
    notes: new Counter({
      name: 'zm_detector_merge_notes_total',
      help: 'Other notable merges: amendments or cancellations after an alert, ignored event types',
      labelNames: ['kind'] as const,
      registers,
    }),
    evaluations: new Counter({
      name: 'zm_detector_evaluations_total',
      help: 'Declaration evaluations, by outcome (alert, below-threshold, already-alerted)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    detectionLatency: new Histogram({
      name: 'zm_detector_detection_latency_seconds',
      help: 'detectedAt minus the latest Kafka timestamp of the events that triggered the alert',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    redisErrors: new Counter({
      name: 'zm_detector_redis_errors_total',
      help: 'Failed Redis round trips (each makes the batch back off and retry)',
      registers,
    }),
    casConflicts: new Counter({
      name: 'zm_detector_state_conflicts_total',
      help: 'VIN state writes that lost a compare-and-set (the batch is retried)',
      registers,
    }),
    batchRetries: new Counter({
      name: 'zm_detector_batch_retries_total',
      help: 'Batches retried after a retriable failure',
      labelNames: ['topic'] as const,
      registers,
    }),
    sweptEntries: new Counter({
      name: 'zm_detector_swept_entries_total',
      help: 'Expired VIN states and velocity counters removed by the sweeper',
      registers,
    }),
    stepSeconds: new Counter({
      name: 'zm_detector_step_seconds_total',
      help: 'Time spent per pipeline step (read, merge, velocity, evaluate, publish, write), for profiling',
      labelNames: ['step'] as const,
      registers,
    }),
    redisRoundTrips: new Counter({
      name: 'zm_detector_redis_round_trips_total',
      help: 'Redis round trips made while processing input batches',
      registers,
    }),
  };
}
