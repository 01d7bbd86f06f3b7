import { Kafka, logLevel, type LogEntry, type Producer } from 'kafkajs';
import type { Logger } from './logger.js';

// kafkajs warns about its v2 partitioner change on every producer; our keys are VINs and we use the
// default (murmur2, Java-compatible) partitioner on purpose.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose logs go through pino (warn and above by default). */
export function createKafka(opts: {
  clientId: string;
  brokers: string[];
  logger: Logger;
  level?: logLevel;
}): Kafka {
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    logLevel: opts.level ?? logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 8 },
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, ...extra } = log;
        opts.logger[levels[level] ?? 'info']({ kafkajs: extra }, message);
      },
  });
}

/** Idempotent producer (acks=all, one in-flight request) so broker retries never duplicate records. */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
}
