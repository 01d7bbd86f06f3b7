import { z } from 'zod';
import { envVars } from './config.js';
import { kafkaSecurity, kafkaSecurityEnv, type KafkaSecurity } from './kafka-security.js';
import { temporalTls, temporalTlsEnv, type TemporalTls } from './temporal-tls.js';

/**
 * The connection settings every service spells the same way: spread a fragment into the service's env
 * schema, spread its mapper's result into the service's config.
 *   Kafka:    ZM_KAFKA_BROKERS (comma list, default the local stack's broker) + kafkaSecurityEnv
 *   Temporal: ZM_TEMPORAL_ADDRESS (default the local stack's), ZM_TEMPORAL_NAMESPACE (non-empty,
 *             default `default`) + temporalTlsEnv
 */
export const kafkaClientEnv = {
  ZM_KAFKA_BROKERS: envVars.brokers,
  ...kafkaSecurityEnv,
};

export interface KafkaClientSettings {
  brokers: string[];
  /** SASL/TLS to the brokers (ZM_KAFKA_SASL_* / ZM_KAFKA_TLS*); absent or empty: PLAINTEXT. */
  kafkaSecurity?: KafkaSecurity | undefined;
}

export const kafkaClientSettings = (e: z.infer<z.ZodObject<typeof kafkaClientEnv>>): KafkaClientSettings => ({
  brokers: e.ZM_KAFKA_BROKERS,
  kafkaSecurity: kafkaSecurity(e),
});

export const temporalClientEnv = {
  ZM_TEMPORAL_ADDRESS: envVars.temporalAddress,
  ZM_TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  ...temporalTlsEnv,
};

export interface TemporalClientSettings {
  temporalAddress: string;
  temporalNamespace: string;
  /** (Mutual) TLS to Temporal's frontend (ZM_TEMPORAL_TLS*); absent: plaintext. */
  temporalTls?: TemporalTls | undefined;
}

export const temporalClientSettings = (
  e: z.infer<z.ZodObject<typeof temporalClientEnv>>,
): TemporalClientSettings => ({
  temporalAddress: e.ZM_TEMPORAL_ADDRESS,
  temporalNamespace: e.ZM_TEMPORAL_NAMESPACE,
  temporalTls: temporalTls(e),
});
