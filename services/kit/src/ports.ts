/**
 * Default TCP ports of the TypeScript code: the services' own listeners and the local stack's (infra
 * starts Kafka, Redis and Temporal on these; the services' connection defaults point at them). Every
 * one can be moved with its ZM_* variable. Files that cannot import this module repeat some of them:
 * infra/compose.yaml, and infra/k8s (whose probe ports infra/test/k8s-manifests.test.ts checks against
 * these). Tests that start private servers keep their own ranges beside those servers (test/convergence:
 * Redis 27001, Kafka 27100).
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
  /**
   * Local stack, cluster profile (`stack up --profile cluster`): three Kafka brokers (each also a
   * KRaft controller), six Redis Cluster nodes (3 masters + 3 replicas) and their cluster-bus ports,
   * its own Temporal. Moved with ZM_CLUSTER_KAFKA_PORTS, ZM_CLUSTER_KAFKA_CONTROLLER_PORTS,
   * ZM_CLUSTER_REDIS_PORTS, ZM_CLUSTER_REDIS_BUS_PORTS (comma lists) and ZM_CLUSTER_TEMPORAL_*_PORT.
   */
  clusterKafka: [29111, 29112, 29113],
  clusterKafkaController: [29121, 29122, 29123],
  clusterRedis: [29201, 29202, 29203, 29204, 29205, 29206],
  clusterRedisBus: [29251, 29252, 29253, 29254, 29255, 29256],
  clusterTemporal: 29233,
  clusterTemporalUi: 29234,
  clusterTemporalHttp: 29243,
  /**
   * Private servers of the secured-connection tests (test/secure): a SASL/SCRAM-only KRaft broker,
   * an ACL-only Redis, a mutual-TLS KRaft broker and Redis, and a TLS front for the dev Temporal,
   * started and stopped by the tests themselves.
   */
  secureTestKafka: 29311,
  secureTestKafkaController: 29411,
  secureTestRedis: 29321,
  tlsTestKafka: 29312,
  tlsTestKafkaController: 29412,
  tlsTestRedis: 29322,
  tlsTestTemporal: 29323,
  /**
   * The optional Schema Registry (Apicurio Registry, Confluent-compatible API; `infra/bin/registry
   * up`, never started by default): HTTP API and its separate health/metrics interface. Moved with
   * ZM_REGISTRY_PORT and ZM_REGISTRY_MANAGEMENT_PORT. The registry tests start private ones on
   * 18083-18088 (schemas/test/registry-apicurio.it.test.ts, test/registry/services-registry.it.test.ts,
   * infra/test/registry.it.test.ts).
   */
  schemaRegistry: 18081,
  schemaRegistryManagement: 18082,
} as const;
