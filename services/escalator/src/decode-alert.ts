import type { KafkaMessage } from 'kafkajs';
import { decodeFramed, NonRetriableError } from '@zmwatch/kit';
import { DLQ_ERROR_CLASSES, TOPICS, validateVin, type Alert, type Codec } from '@zmwatch/schemas';

/**
 * Bytes → Alert, or a NonRetriableError (→ `<topic>.dlq`) for anything that can never become a case:
 * not Avro/Confluent-framed, not an alert, or a VIN that is not structurally valid or not normalised.
 *
 * The kit's decodeFramed fetches an unseen writer id (the batch waits) and keeps a registry that is
 * down a retriable fault, so the batch is retried instead of dead-lettering a record that is fine.
 */
export function createAlertDecoder(codec: Codec): (message: KafkaMessage) => Alert | Promise<Alert> {
  return (message) => decodeFramed(codec, message.value, TOPICS.alerts, checkedAlert);
}

function checkedAlert(alert: Alert): Alert {
  const vin = validateVin(alert.vin);
  if (!vin.ok)
    throw new NonRetriableError(`alert ${alert.alertId}: ${vin.reason}`, DLQ_ERROR_CLASSES.invalidVin);
  if (vin.vin !== alert.vin)
    throw new NonRetriableError(
      `alert ${alert.alertId}: VIN ${JSON.stringify(alert.vin)} is not normalised`,
      DLQ_ERROR_CLASSES.invalidVin,
    );
  return alert;
}
