import type { KafkaMessage } from 'kafkajs';
import { NonRetriableError } from '@zmwatch/kit';
import {
  DLQ_ERROR_CLASSES,
  isCodecError,
  SchemaNotLoadedError,
  TOPICS,
  validateVin,
  type Alert,
  type Codec,
} from '@zmwatch/schemas';

/**
 * Bytes → Alert, or a NonRetriableError (→ `<topic>.dlq`) for anything that can never become a case:
 * not Avro/Confluent-framed, not an alert, or a VIN that is not structurally valid or not normalised.
 *
 * Known writer ids decode synchronously; an id the codec has not seen yet (a registry-backed codec
 * and a producer that registered a newer version) returns a promise that fetches it, so the batch
 * waits. A fetch that fails (registry down) rejects with the codec's retriable error as it is: the
 * kit retries the batch instead of dead-lettering a record that is fine.
 */
export function createAlertDecoder(codec: Codec): (message: KafkaMessage) => Alert | Promise<Alert> {
  return (message) => {
    let alert: Alert;
    try {
      alert = codec.decodeSync(message.value, TOPICS.alerts).record;
    } catch (err) {
      if (err instanceof SchemaNotLoadedError) {
        return codec.decode(message.value, TOPICS.alerts).then(
          (d) => checkedAlert(d.record),
          (e: unknown) => {
            throw classified(e);
          },
        );
      }
      throw classified(err);
    }
    return checkedAlert(alert);
  };
}

/** Retriable codec faults stay as they are (the kit retries them); everything else is for the DLQ. */
function classified(err: unknown): Error {
  if (isCodecError(err)) {
    return err.retriable ? err : new NonRetriableError(err.message, err.code, { cause: err });
  }
  return new NonRetriableError(String(err), DLQ_ERROR_CLASSES.undecodable, { cause: err });
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
