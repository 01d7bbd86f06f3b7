import { Kafka, logLevel, type LogEntry, type Producer, type RetryOptions } from 'kafkajs';
import type { Logger } from './logger.js';
import { kafkaSecurityOptions, type KafkaSecurity } from './kafka-security.js';

// kafkajs warns about its v2 partitioner change on every producer; our keys are VINs and we use the
// default (murmur2, Java-compatible) partitioner on purpose.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose logs go through pino (warn and above by default), SASL/TLS as configured. */
export function createKafka(opts: {
  clientId: string;
  brokers: string[];
  logger: Logger;
  level?: logLevel;
  /** SASL and TLS (kit's ZM_KAFKA_SASL_* / ZM_KAFKA_TLS* variables); absent: PLAINTEXT. */
  security?: KafkaSecurity | undefined;
  /**
   * The client's connection retry (default: 8 retries from 200 ms, about a minute in all). kafkajs
   * retries a refused TLS handshake like a network fault, so probes that must fail fast pass less.
   */
  retry?: RetryOptions;
}): Kafka {
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    ...kafkaSecurityOptions(opts.security),
    logLevel: opts.level ?? logLevel.WARN,
    retry: opts.retry ?? { initialRetryTime: 200, retries: 8 },
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        opts.logger[levels[level] ?? 'info']({ kafkajs: extra }, message);
      },
  });
}

/**
 * Idempotent producer (acks=all, one in-flight request) so broker retries never duplicate records.
 * kafkajs keeps that guarantee only while one `send` retries without limit: a send that gives up and is
 * sent again gets new sequence numbers, so the broker can no longer drop the copy it already wrote
 * (the "Limiting retries for the idempotent producer may invalidate EoS guarantees" warning). The
 * client's bounded retry (above) would be inherited, so the producer overrides it: retries without
 * limit, each wait capped by kafkajs' maxRetryTime (30 s), as the Java client's retries=MAX_INT. A send
 * therefore waits out a broker outage instead of failing; callers check their topics exist at start,
 * because a send to a missing topic waits too.
 *
 * kafkajs 2.2.4 is patched for this (patches/kafkajs@2.2.4.patch, pnpm `patchedDependencies`): its
 * produce retry remembered which *brokers* had acknowledged a send and skipped them on the next attempt,
 * so when a SIGKILLed leader's partitions moved to a broker that had already answered for other
 * partitions of the same send, those records were never sent and the send resolved (kafkajs issue
 * #1303; upstream fix PR #1798, unmerged). For this producer the sequence numbers then diverged from
 * the broker's, and every later send to that partition failed with OUT_OF_ORDER_SEQUENCE_NUMBER: the
 * detector's alerts stalled for good.
 * The patch remembers acknowledged *partitions*, sends every other one to its current leader, and
 * settles all of an attempt's requests before the next (test/cluster/producer-failover.cluster-test.ts,
 * services/kit/test/produce-retry-leader-move.test.ts).
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: { retries: Number.MAX_SAFE_INTEGER },
  });
}
