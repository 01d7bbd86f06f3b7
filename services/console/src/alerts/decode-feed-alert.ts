import { backoffDelay, sleep } from '@zmwatch/kit';
import { isCodecError, TOPICS, type Alert, type Codec } from '@zmwatch/schemas';

export interface DecodeFeedAlertOptions {
  /** False once the feed stops: the wait ends and the alert is given up (the feed never commits). */
  isRunning(): boolean;
  /** Called before each wait on a retriable fault (registry unreachable). */
  onRetry?(err: unknown, attempt: number): void;
  maxDelayMs?: number;
}

/**
 * The feed's decode: an unseen writer id (registry mode, a producer's newer schema version) is
 * fetched, and while the registry is unreachable the feed waits and retries rather than skipping
 * the alert, since every later alert of the partition would be skipped the same way. Resolves
 * undefined only when the feed stops meanwhile; rejects with the codec's error for alerts that can
 * never decode (the caller logs and skips those).
 */
export async function decodeFeedAlert(
  codec: Codec,
  value: Buffer | null,
  opts: DecodeFeedAlertOptions,
): Promise<Alert | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await codec.decode(value, TOPICS.alerts)).record;
    } catch (err) {
      if (!(isCodecError(err) && err.retriable) || !opts.isRunning()) throw err;
      opts.onRetry?.(err, attempt);
      await sleep(backoffDelay(attempt, 200, opts.maxDelayMs ?? 10_000));
      if (!opts.isRunning()) return undefined;
    }
  }
}
