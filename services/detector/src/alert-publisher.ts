import type { Producer } from 'kafkajs';
import { errorMessage, RetriableError, sendChunked } from '@zmwatch/kit';
import { TOPICS, type Alert, type Codec } from '@zmwatch/schemas';

/** Produces alerts to `topic` (key = VIN, header zm-alert-id) and resolves once all are acknowledged. */
export function createAlertPublisher(
  producer: Producer,
  codec: Codec,
  topic: string,
): (alerts: Alert[]) => Promise<void> {
  return async (alerts) => {
    // Encoding is the records' business (a content fault bisects); the send is the broker's.
    const messages = alerts.map((a) => ({
      key: a.vin,
      value: codec.encode(TOPICS.alerts, a),
      headers: { 'zm-alert-id': a.alertId },
    }));
    try {
      await sendChunked(producer, [{ topic, messages }]);
    } catch (err) {
      // The broker, not the records: retry the batch (alert ids are deterministic).
      throw new RetriableError(`producing alerts failed: ${errorMessage(err)}`, { cause: err });
    }
  };
}
