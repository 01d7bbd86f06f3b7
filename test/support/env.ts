import { randomBytes } from 'node:crypto';
import { clientEnv } from '@zmwatch/infra';

/** Addresses of the local stack (`infra/bin/stack up`), overridable with the same ZM_* variables as services. */
export const stack = {
  brokers: (process.env.ZM_KAFKA_BROKERS ?? clientEnv().ZM_KAFKA_BROKERS!).split(','),
  redisUrl: process.env.ZM_REDIS_URL ?? clientEnv().ZM_REDIS_URL!,
  temporalAddress: process.env.ZM_TEMPORAL_ADDRESS ?? clientEnv().ZM_TEMPORAL_ADDRESS!,
};

/** A name no other test run uses, so suites can share one stack. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
