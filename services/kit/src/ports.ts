/**
 * Default TCP ports, defined here and nowhere else: the services' own listeners and the local stack's
 * (infra starts Kafka, Redis and Temporal on these; the services' connection defaults point at them).
 * Every one can be moved with its ZM_* variable.
 */
export const DEFAULT_PORTS = {
  /** Detector's /metrics, /healthz, /readyz (ZM_DETECTOR_METRICS_PORT). */
  detectorMetrics: 9464,
  /** Escalator's /metrics, /healthz, /readyz (ZM_ESCALATOR_METRICS_PORT): its own, so both run on one host. */
  escalatorMetrics: 9465,
  /** Case worker's /metrics, /healthz, /readyz (ZM_WORKER_METRICS_PORT): probes of a deployment. */
  workerMetrics: 9467,
  /** Insights sink's /metrics, /healthz, /readyz and report API (ZM_INSIGHTS_PORT). */
  insights: 9468,
  /** Web console's HTTP (ZM_CONSOLE_PORT). */
  console: 18480,
  /** Web console's separate /metrics, /healthz, /readyz listener (ZM_CONSOLE_METRICS_PORT), off the user-facing port. */
  consoleMetrics: 9466,
  /** Local stack (infra/src/settings.ts: ZM_KAFKA_PORT, ZM_REDIS_PORT, ZM_TEMPORAL_*_PORT). */
  kafka: 19092,
  kafkaController: 19093,
  redis: 16379,
  temporal: 17233,
  temporalUi: 18233,
  temporalHttp: 17243,
} as const;
