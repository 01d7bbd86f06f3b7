import { RetriableError } from '@zmwatch/kit';

/** Redis failures are always retriable for the consumer: back off, do not commit, try again. */
export class RedisUnavailableError extends RetriableError {
  override readonly name = 'RedisUnavailableError';
}

export async function execPipeline(
  p: { exec(): Promise<[Error | null, unknown][] | null> },
  what: string,
): Promise<unknown[]> {
  let res: [Error | null, unknown][] | null;
  try {
    res = await p.exec();
  } catch (err) {
    throw new RedisUnavailableError(
      `redis ${what} failed: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  if (!res) throw new RedisUnavailableError(`redis ${what}: pipeline discarded`);
  return res.map(([err, value]) => {
    if (err) throw new RedisUnavailableError(`redis ${what} failed: ${err.message}`, { cause: err });
    return value;
  });
}
