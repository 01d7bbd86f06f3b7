/**
 * Kafka topics carrying the zmwatch contracts. Keys are normalised VINs on every topic but the access
 * audit, keyed by the user id.
 */
export const TOPICS = {
  registrations: 'vehicle.registrations.v1',
  declarations: 'customs.declarations.v1',
  alerts: 'zm.alerts.v1',
  caseOutcomes: 'zm.case-outcomes.v1',
  accessAudit: 'zm.access-audit.v1',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

export const ALL_TOPICS: readonly Topic[] = Object.values(TOPICS);

export function isTopic(value: string): value is Topic {
  return (ALL_TOPICS as readonly string[]).includes(value);
}

/** Confluent TopicNameStrategy subject for record values: `<topic>-value`. */
export function subjectFor(topic: string): string {
  return `${topic}-value`;
}

/** Inverse of {@link subjectFor}; undefined for subjects that are not `<topic>-value`. */
export function topicOfSubject(subject: string): string | undefined {
  return subject.endsWith('-value') ? subject.slice(0, -'-value'.length) : undefined;
}

/** Dead-letter topic for a source topic. */
export function dlqTopicFor(topic: string): string {
  return `${topic}.dlq`;
}

/**
 * Internal repartition topic of an input topic (same partition count): records a producer put on
 * the wrong partition, or keyed otherwise than by their normalised VIN, are re-produced there keyed
 * and partitioned by the contract (Kafka Streams' answer to the same problem).
 */
export function repartitionTopicFor(topic: string): string {
  return `${topic}.repartition`;
}
