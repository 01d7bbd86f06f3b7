export {
  NonRetriableError,
  RetriableError,
  ConfigError,
  isNonRetriable,
  isRetriable,
  errorMessage,
  KIT_ERROR_CLASSES,
} from './errors.js';
export { handleIsolated, type Rejection, type IsolateResult } from './isolate.js';
export {
  createRerouteWriter,
  REROUTE_HEADERS,
  readReroute,
  type Reroute,
  type RerouteProvenance,
  type RerouteRecord,
  type RerouteWriter,
} from './reroute.js';
export { createLogger, type Logger } from './logger.js';
export { parseEnv, envVars } from './config.js';
export { DEFAULT_PORTS } from './ports.js';
export { backoffDelay, sleep } from './backoff.js';
export { createRegistry, createHealthServer, type HealthServer } from './metrics-server.js';
export { installShutdown, runMain } from './shutdown.js';
export { createKafka, createIdempotentProducer } from './kafka.js';
export { createConsumer } from './consumer.js';
export {
  kafkaSecurity,
  kafkaSecurityEnv,
  kafkaSecurityOptions,
  loadKafkaSecurity,
  type KafkaSecurity,
} from './kafka-security.js';
export {
  DLQ_HEADERS,
  dlqTopicFor,
  createDeadLetterWriter,
  type DeadLetter,
  type DeadLetterWriter,
} from './dead-letter.js';
export {
  createBatchConsumer,
  type BatchConsumer,
  type BatchConsumerOptions,
  type BatchHooks,
  type Decoded,
} from './batch-consumer.js';
export {
  consumerGroupLag,
  partitionEnds,
  topicLag,
  type PartitionEnd,
  type PartitionLag,
  type TopicLagOptions,
} from './consumer-lag.js';
export {
  coPartitionedAssigner,
  assignCoPartitioned,
  CO_PARTITIONED_ASSIGNER_NAME,
} from './co-partitioned-assigner.js';
export { sendChunked, messageBytes, PRODUCE_CHUNK_BYTES } from './send-chunked.js';
export { decodeFramed } from './decode-framed.js';
export { createTopicsReady, growPartitions, partitionCounts } from './topic-admin.js';
export {
  createRedis,
  describeRedis,
  execSlotGroups,
  isRedisCluster,
  loadRedisConnection,
  redisConnection,
  redisEnv,
  DEFAULT_REDIS_URL,
  type CreateRedisOptions,
  type RedisClient,
  type RedisConnection,
} from './redis.js';
export {
  kafkaClientEnv,
  kafkaClientSettings,
  temporalClientEnv,
  temporalClientSettings,
  type KafkaClientSettings,
  type TemporalClientSettings,
} from './connection-env.js';
export { stackAddresses, type StackAddresses } from './stack-addresses.js';
export { REPO_ROOT } from './repository.js';
export { loadTopicSpecs, ensureTopics, TOPICS_FILE, type TopicSpec } from './topic-specs.js';
export { readTlsFiles, tlsFileVars, tlsFilesOf, type TlsFiles } from './tls-files.js';
export {
  loadTemporalTls,
  temporalTls,
  temporalTlsEnv,
  temporalTlsOptions,
  type TemporalTls,
} from './temporal-tls.js';
