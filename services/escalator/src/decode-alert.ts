import type { KafkaMessage } from 'kafkajs';
import { NonRetriableError } from '@zmwatch/kit';
import { isCodecError, TOPICS, validateVin, type Alert, type Codec } from '@zmwatch/schemas';

/**
 * Bytes → Alert, or a NonRetriableError (→ `<topic>.dlq`) for anything that can never become a case:
 * not Avro/Confluent-framed, not an alert, or a VIN that is not structurally valid or not normalised.
 */
export function createAlertDecoder(codec: Codec): (message: KafkaMessage) => Alert {
  return (message) => {
    let alert: Alert;
    try {
      alert = codec.decodeSync(message.value, TOPICS.alerts).record;
    } catch (err) {
      if (isCodecError(err)) throw new NonRetriableError(err.message, err.code, { cause: err });
      throw new NonRetriableError(String(err), 'undecodable', { cause: err });
    }
    const vin = validateVin(alert.vin);
    if (!vin.ok) throw new NonRetriableError(`alert ${alert.alertId}: ${vin.reason}`, 'invalid-vin');
    if (vin.vin !== alert.vin)
      throw new NonRetriableError(
        `alert ${alert.alertId}: VIN ${JSON.stringify(alert.vin)} is not normalised`,
        'invalid-vin',
      );
    return alert;
  };
}
