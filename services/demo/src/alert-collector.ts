import type { Consumer, Kafka } from 'kafkajs';
import type { Codec, Severity, Topic } from '@zmwatch/schemas';

/**
 * Follows the alerts topic from "now" (a fresh group per demo run) and keeps what the summary needs:
 * the highest severity per VIN (for precision/recall), counts by severity, later revisions (contract
 * v2: the same alert id with a higher revision, e.g. a withdrawal) and physical duplicates (the same
 * alert id and revision delivered twice, which downstream consumers deduplicate).
 */
export interface AlertTally {
  bySeverity: Record<string, number>;
  alerts: number;
  /** Records that revise an alert already counted (revision > 0 of a known id, or first seen as such). */
  revisions: number;
  duplicates: number;
  maxSeverityByVin: Map<string, Severity>;
}

const RANK: Record<string, number> = { LOW: 0, MEDIUM: 1, HIGH: 2, CRITICAL: 3 };

/** A new alert id (revision 0) seen by the collector, with its record's Kafka timestamp. */
export interface CollectedAlert {
  readonly alertId: string;
  readonly vin: string;
  readonly severity: Severity;
  /** The alert record's Kafka timestamp (ms): when the detector produced it. */
  readonly producedAt: number;
}

export async function startAlertCollector(
  kafka: Kafka,
  codec: Codec,
  topic: Topic,
  onAlert?: (alert: CollectedAlert) => void,
): Promise<{ tally: AlertTally; stop: () => Promise<void> }> {
  const tally: AlertTally = {
    bySeverity: {},
    alerts: 0,
    revisions: 0,
    duplicates: 0,
    maxSeverityByVin: new Map(),
  };
  const seen = new Set<string>();
  const seenRevisions = new Set<string>();
  const consumer: Consumer = kafka.consumer({ groupId: `zm-demo-summary-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (!message.value) return;
      let alert;
      try {
        alert = codec.decodeSync(message.value, topic).record as {
          alertId: string;
          vin: string;
          severity: Severity;
          revision?: number;
        };
      } catch {
        return; // the escalator dead-letters undecodable alerts; the summary only counts good ones
      }
      const revisionKey = `${alert.alertId}#${alert.revision ?? 0}`;
      if (seenRevisions.has(revisionKey)) {
        tally.duplicates++;
        return;
      }
      seenRevisions.add(revisionKey);
      // A revision of an alert raised before this run (the state of earlier runs lives on) is not
      // this run's detection: counting it as an alert would score VINs the ground truth never saw.
      if (seen.has(alert.alertId) || (alert.revision ?? 0) > 0) {
        tally.revisions++;
        return;
      }
      seen.add(alert.alertId);
      tally.alerts++;
      tally.bySeverity[alert.severity] = (tally.bySeverity[alert.severity] ?? 0) + 1;
      const prev = tally.maxSeverityByVin.get(alert.vin);
      if (prev === undefined || RANK[alert.severity]! > RANK[prev]!)
        tally.maxSeverityByVin.set(alert.vin, alert.severity);
      onAlert?.({
        alertId: alert.alertId,
        vin: alert.vin,
        severity: alert.severity,
        producedAt: Number(message.timestamp),
      });
    },
  });
  await joined; // "from now" means after the group has its partitions, before the simulator starts
  return { tally, stop: () => consumer.disconnect() };
}
