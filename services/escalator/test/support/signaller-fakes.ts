import type { Connection } from '@temporalio/client';
import type { KafkaMessage } from 'kafkajs';
import type { Decoded } from '@zmwatch/kit';
import type { Alert } from '@zmwatch/schemas';

/** A Temporal connection whose deadlines never fire: the signaller's calls go straight to the fake cases. */
export const instantConnection = {
  withDeadline: <T>(_d: number, fn: () => Promise<T>) => fn(),
} as unknown as Connection;

/** An alert as the batch consumer hands it to the signaller. */
export const alertRecord = (alert: Alert, offset: number): Decoded<Alert> => ({
  topic: 't',
  partition: 0,
  message: { offset: String(offset) } as KafkaMessage,
  value: alert,
});
