import type { KafkaMessage } from 'kafkajs';
import { decodeFramed, NonRetriableError } from '@zmwatch/kit';
import {
  assertInRange,
  DLQ_ERROR_CLASSES,
  TOPICS,
  validateVin,
  type Alert,
  type CaseOutcome,
  type Codec,
  type CustomsDeclarationEvent,
  type RegistrationEvent,
  type Topic,
} from '@zmwatch/schemas';
import { ALERT_STATUSES, type AlertStatus, type InsightsKind, type InsightsRecord } from './records.js';

/** Physical topic names of the sink's inputs (tests use unique ones). */
export interface InsightsTopics {
  registrations: string;
  declarations: string;
  alerts: string;
  caseOutcomes: string;
}

const CONTRACT: Record<keyof InsightsTopics, { topic: Topic; kind: InsightsKind }> = {
  registrations: { topic: TOPICS.registrations, kind: 'registration' },
  declarations: { topic: TOPICS.declarations, kind: 'declaration' },
  alerts: { topic: TOPICS.alerts, kind: 'alert' },
  caseOutcomes: { topic: TOPICS.caseOutcomes, kind: 'outcome' },
};

function checkedVin(vin: string, what: string): string {
  const v = validateVin(vin);
  if (!v.ok) throw new NonRetriableError(`${what}: ${v.reason}`, DLQ_ERROR_CLASSES.invalidVin);
  return v.vin;
}

/**
 * The alert contract is growing a `revision` (int, default 0) and a `status` (ACTIVE|WITHDRAWN);
 * read them when the writer schema has them, otherwise an alert is revision 0 and ACTIVE.
 */
function alertLifecycle(alert: Alert): { revision: number; status: AlertStatus } {
  const a = alert as Alert & { revision?: unknown; status?: unknown };
  const revision = typeof a.revision === 'number' && Number.isInteger(a.revision) ? a.revision : 0;
  const status = ALERT_STATUSES.find((s) => s === a.status) ?? 'ACTIVE';
  return { revision, status };
}

function finish(kind: InsightsKind, record: unknown): InsightsRecord {
  switch (kind) {
    case 'registration': {
      const event = record as RegistrationEvent;
      assertInRange(TOPICS.registrations, event);
      event.vin = checkedVin(event.vin, `registration ${event.eventId}`);
      return { kind, event };
    }
    case 'declaration': {
      const event = record as CustomsDeclarationEvent;
      assertInRange(TOPICS.declarations, event);
      if (event.declarationId.trim() === '')
        throw new NonRetriableError('declarationId is empty', DLQ_ERROR_CLASSES.invalidRecord);
      event.vin = checkedVin(event.vin, `declaration ${event.eventId}`);
      return { kind, event };
    }
    case 'alert': {
      const alert = record as Alert;
      alert.vin = checkedVin(alert.vin, `alert ${alert.alertId}`);
      return { kind, alert, ...alertLifecycle(alert) };
    }
    case 'outcome': {
      const outcome = record as CaseOutcome;
      outcome.vin = checkedVin(outcome.vin, `case outcome ${outcome.caseId}`);
      return { kind, outcome };
    }
  }
}

/**
 * Kafka message → InsightsRecord, by the topic it came from. Undecodable bytes, an invalid VIN or a
 * value out of the contract's ranges throw NonRetriableError (→ `<topic>.dlq`); a schema registry
 * that cannot be reached is retriable (decodeFramed), so the batch waits instead.
 */
export function createDecoder(codec: Codec, topics: InsightsTopics) {
  const roles = new Map<string, { topic: Topic; kind: InsightsKind }>();
  for (const [role, name] of Object.entries(topics) as Array<[keyof InsightsTopics, string]>)
    roles.set(name, CONTRACT[role]);
  return (message: KafkaMessage, topic: string): InsightsRecord | Promise<InsightsRecord> => {
    const role = roles.get(topic);
    if (!role)
      throw new NonRetriableError(`not an input topic of the insights sink: ${topic}`, 'UnknownTopic');
    return decodeFramed(codec, message.value, role.topic, (record) => finish(role.kind, record));
  };
}
