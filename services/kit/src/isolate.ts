import { errorMessage, isRetriable, KIT_ERROR_CLASSES, NonRetriableError } from './errors.js';

export interface Rejection<R> {
  record: R;
  error: NonRetriableError;
}

export interface IsolateResult<R> {
  rejected: Rejection<R>[];
  /** How many handle() calls it took (1 when nothing failed). */
  calls: number;
}

/**
 * Handles `records` with `handle`; when that throws something other than an infrastructure fault,
 * bisects the records (keeping offset order: the left half is handled before the right) until the
 * records whose handling throws are isolated, and rejects exactly those, with their error. A
 * retriable error at any depth is rethrown: the caller retries the whole batch later, and the halves
 * already handled are handled again, which services must tolerate anyway (at-least-once).
 *
 * Cost: one call when the batch is clean; about 2·log2(n) extra calls per poison record.
 */
export async function handleIsolated<R>(
  records: readonly R[],
  handle: (records: R[]) => Promise<void>,
): Promise<IsolateResult<R>> {
  const rejected: Rejection<R>[] = [];
  let calls = 0;
  const run = async (part: R[]): Promise<void> => {
    if (part.length === 0) return;
    calls++;
    try {
      await handle(part);
    } catch (err) {
      if (isRetriable(err)) throw err;
      if (part.length === 1) {
        const error =
          err instanceof NonRetriableError
            ? err
            : new NonRetriableError(
                `handling this record threw ${err instanceof Error ? err.name : typeof err}: ${errorMessage(err)}`,
                KIT_ERROR_CLASSES.handlerFailed,
                { cause: err },
              );
        rejected.push({ record: part[0]!, error });
        return;
      }
      const mid = Math.ceil(part.length / 2);
      await run(part.slice(0, mid));
      await run(part.slice(mid));
    }
  };
  await run([...records]);
  return { rejected, calls };
}
