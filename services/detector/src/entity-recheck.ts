/**
 * The reach-back's requests: "re-evaluate VIN v, its count in entity e crossed a threshold". A batch
 * whose window changes move other members across a threshold produces one request per member VIN,
 * keyed by that VIN on its contract partition, to `<declarations topic>.entity-recheck`, an internal
 * topic the detector group also consumes (created with the state's partition count by
 * prepare-topics.ts, co-partitioned like the repartition topics). So the process that owns the
 * member's state re-evaluates it, under its partition's lock, reading the entity windows afresh:
 * the observation that caused the request was written before the request was produced, so the
 * re-evaluation sees it, and the last request of a member sees its final window.
 * The value is a small JSON object (internal: written and read only by the detector).
 */
import type { Producer } from 'kafkajs';
import type { KafkaMessage } from 'kafkajs';
import { NonRetriableError } from '@zmwatch/kit';
import { contractPartition, isCanonicalVin } from '@zmwatch/schemas';
import type { DetectorEvent, EventSource } from './apply-events.js';
import type { EntityRecheck } from './entity-step.js';
import type { MergedVin } from './vin-work.js';

const RECHECK_SUFFIX = '.entity-recheck';

export const entityRecheckTopicFor = (declarationsTopic: string): string =>
  `${declarationsTopic}${RECHECK_SUFFIX}`;

/** The detector's own re-check requests, not input events (they are counted apart). */
export const isEntityRecheckTopic = (topic: string): boolean => topic.endsWith(RECHECK_SUFFIX);

/** A decoded request, as the batch pipeline takes it beside the input events. */
export interface RecheckInput {
  kind: 'entity-recheck';
  event: { vin: string };
  entity: string;
  arrival: number;
  source?: EventSource;
}

/** Everything the detector consumes: input events and re-evaluation requests. */
export type DetectorInput = DetectorEvent | RecheckInput;

export function encodeRecheck(r: EntityRecheck): string {
  return JSON.stringify({ vin: r.vin, entity: r.entity });
}

export function decodeRecheck(message: KafkaMessage, topic: string, partition: number): RecheckInput {
  let v: unknown;
  try {
    v = JSON.parse(message.value?.toString('utf8') ?? '');
  } catch {
    throw new NonRetriableError('entity recheck request is not JSON', 'MalformedPayload');
  }
  const { vin, entity } = (v ?? {}) as { vin?: unknown; entity?: unknown };
  if (typeof vin !== 'string' || !isCanonicalVin(vin) || typeof entity !== 'string')
    throw new NonRetriableError(
      `entity recheck request without a VIN and entity: ${String(message.value)}`,
      'InvalidRecord',
    );
  return {
    kind: 'entity-recheck',
    event: { vin },
    entity,
    arrival: Number(message.timestamp),
    source: { topic, partition, offset: message.offset },
  };
}

/** Produces the requests and resolves once Kafka acknowledged them (acks=all, idempotent producer). */
export function createRecheckProducer(
  producer: Producer,
  topic: string,
  partitionCount: () => number,
): (rechecks: readonly EntityRecheck[]) => Promise<void> {
  return async (rechecks) => {
    if (rechecks.length === 0) return;
    const n = partitionCount();
    await producer.send({
      topic,
      acks: -1,
      messages: rechecks.map((r) => ({
        key: r.vin,
        partition: contractPartition(r.vin, n),
        value: encodeRecheck(r),
      })),
    });
  };
}

/**
 * A VIN with a request: every declaration of it that was evaluated already (evaluated or alerted)
 * is due again, so it is re-evaluated with the windows as they are now. Pending ones are due
 * whenever their registration or grace period says (they observe nothing before).
 */
export function dueForRechecks(merged: readonly MergedVin[]): void {
  for (const m of merged) {
    if (!m.work.entityRecheck) continue;
    const due = new Set(m.result.due.map((d) => d.declarationId));
    for (const d of m.result.state.declarations) {
      if ((d.status === 'evaluated' || d.status === 'alerted') && !due.has(d.declarationId))
        m.result.due.push(d);
    }
  }
}
