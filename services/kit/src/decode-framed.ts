import {
  DLQ_ERROR_CLASSES,
  isCodecError,
  SchemaNotLoadedError,
  type Codec,
  type Topic,
  type TopicRecordMap,
} from '@zmwatch/schemas';
import { NonRetriableError, RetriableError } from './errors.js';

/**
 * A batch consumer's decode of one Confluent-framed record: synchronous for writer ids the codec
 * knows; for an id a registry-backed codec has not fetched yet, a promise that fetches it (the batch
 * waits). `finish` validates the record (and may throw NonRetriableError). Failures come out in the
 * kit's classes: a retriable codec fault (registry unreachable) as a RetriableError, so the batch is
 * retried; any other fault as a NonRetriableError with the codec's class (or `undecodable`), so the
 * record is dead-lettered.
 */
export function decodeFramed<K extends Topic, R>(
  codec: Codec,
  payload: Buffer | null,
  topic: K,
  finish: (record: TopicRecordMap[K]) => R,
): R | Promise<R> {
  let record: TopicRecordMap[K];
  try {
    record = codec.decodeSync(payload, topic).record;
  } catch (err) {
    if (!(err instanceof SchemaNotLoadedError)) throw classified(err);
    return codec.decode(payload, topic).then(
      (d) => {
        try {
          return finish(d.record);
        } catch (e) {
          throw classified(e);
        }
      },
      (e: unknown) => {
        throw classified(e);
      },
    );
  }
  try {
    return finish(record);
  } catch (err) {
    throw classified(err);
  }
}

function classified(err: unknown): Error {
  if (err instanceof NonRetriableError || err instanceof RetriableError) return err;
  if (isCodecError(err)) {
    if (err.retriable) return new RetriableError(err.message, { cause: err });
    return new NonRetriableError(err.message, err.code, { cause: err });
  }
  return new NonRetriableError(
    err instanceof Error ? err.message : String(err),
    DLQ_ERROR_CLASSES.undecodable,
    { cause: err },
  );
}
